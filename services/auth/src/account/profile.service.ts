import type { Counter } from 'prom-client';
import { AppError, enqueueEvent, isAppError, type AuthUser } from '@tiketi/platform';
import { EventTypes, type EventDataByType, type PublicUser } from '@tiketi/contracts';
import type { UserRow } from '../users/users.repository';
import { publicUser, type AccountServiceDeps, type RequestMeta } from './account.service';
import type { LoginAttempt } from './login-throttle';
import { assertNewPasswordAllowed } from './passwords';

/** What sign-in needs (the same users, sessions, hashes and throttle), and two things of its own. */
export interface ProfileServiceDeps extends AccountServiceDeps {
  /** Production holds an administrator's new password to the rule its first one met at boot. */
  strongAdminPasswords: boolean;
  /** The ticket service's count of what the user still has going (holds, bookings of events to come). */
  openBookings: (userId: string) => Promise<{ pending: number; upcoming: number }>;
}

export interface ProfileChanges {
  name?: string;
  phone?: string | null;
}

const gone = () => AppError.unauthorized('INVALID_TOKEN', 'Account no longer exists');

/** What a signed-in user changes about their own account: name, phone, password, and closing it. */
export class ProfileService {
  constructor(private readonly deps: ProfileServiceDeps) {}

  /**
   * Saves the changes and answers with a new access token for the caller's session: other services
   * copy the token's name onto what the buyer books, so the next booking carries the new name.
   */
  async update(
    caller: AuthUser,
    changes: ProfileChanges,
  ): Promise<{ user: PublicUser; accessToken: string }> {
    const name = changes.name?.trim();
    if (changes.name !== undefined && !name)
      throw AppError.invalid('VALIDATION_FAILED', 'Name must not be blank', {
        path: 'body.name',
        issues: [{ path: 'body.name', message: 'must not be blank' }],
      });
    const phone = changes.phone === undefined ? undefined : changes.phone?.trim() || null;
    const user = await this.deps.users.updateProfile(caller.id, { name, phone }, this.deps.clock.now());
    if (!user) throw gone();
    return { user: publicUser(user), accessToken: await this.deps.sessions.accessToken(user, caller.sid) };
  }

  /**
   * Checks the caller's password, counted with sign-in failures: a stolen access token is not a way
   * to guess the password that would take the account over (or close it).
   */
  private async verifyPassword(
    user: UserRow,
    password: string,
    meta: RequestMeta,
    outcomes: Counter<'result'>,
  ): Promise<void> {
    let attempt: LoginAttempt;
    try {
      attempt = await this.deps.throttle.admit(user.email, meta.ip);
    } catch (err) {
      if (isAppError(err)) outcomes.inc({ result: 'throttled' });
      throw err;
    }
    if (!(await this.deps.passwords.verify(user.passwordHash, password))) {
      await this.deps.throttle.recordFailure(user.email, meta.ip, attempt);
      outcomes.inc({ result: 'wrong_password' });
      throw AppError.forbidden('INVALID_CURRENT_PASSWORD', 'The current password is incorrect');
    }
    await this.deps.throttle.recordSuccess(user.email, meta.ip, attempt);
  }

  /**
   * Stores the new password once the current one checks out, and ends every other session of the
   * account in the same transaction: whoever else was signed in must sign in again with the new
   * password. The session that made the change stays signed in.
   */
  async changePassword(
    caller: AuthUser,
    input: { currentPassword: string; newPassword: string },
    meta: RequestMeta,
  ): Promise<{ otherSessionsEnded: number }> {
    const user = await this.deps.users.findById(caller.id);
    if (!user) throw gone();
    if (input.newPassword === input.currentPassword)
      throw AppError.invalid('PASSWORD_UNCHANGED', 'The new password must differ from the current one', {
        path: 'body.newPassword',
      });
    assertNewPasswordAllowed(user, input.newPassword, this.deps.strongAdminPasswords);

    await this.verifyPassword(user, input.currentPassword, meta, this.deps.metrics.passwordChanges);

    const nextHash = await this.deps.passwords.hash(input.newPassword);
    const now = this.deps.clock.now();
    const ended = await this.deps.db.transaction().execute(async (trx) => {
      if (!(await this.deps.users.replacePasswordHash(user.id, user.passwordHash, nextHash, now, trx)))
        return null;
      return this.deps.sessions.revokeUserSessions(user.id, 'password_changed', trx, caller.sid);
    });
    if (!ended) {
      this.deps.metrics.passwordChanges.inc({ result: 'conflict' });
      throw AppError.conflict(
        'PASSWORD_CHANGED_MEANWHILE',
        'The password was changed by another request meanwhile; use the new one',
      );
    }
    await this.deps.sessions.markRevoked(ended);
    this.deps.metrics.passwordChanges.inc({ result: 'changed' });
    return { otherSessionsEnded: ended.length };
  }

  /**
   * Closes the caller's account once the password is confirmed and the ticket service says nothing
   * is still going (a hold not yet paid or let go, a paid booking of an event still to come): those
   * are cancelled or end first, so no money is left with an account nobody can sign in to. The
   * personal data go in one transaction with every session and the user.deleted event; bookings
   * and payments stay in their services as the records of what was sold.
   */
  async close(caller: AuthUser, input: { password: string }, meta: RequestMeta): Promise<void> {
    const user = await this.deps.users.findById(caller.id);
    if (!user || user.deletedAt) throw gone();
    if (user.role === 'admin')
      throw AppError.conflict(
        'ADMIN_ACCOUNT',
        'An administrator account cannot be closed by its owner; another administrator makes it a buyer first',
      );
    await this.verifyPassword(user, input.password, meta, this.deps.metrics.accountClosures);
    const open = await this.deps.openBookings(user.id);
    if (open.pending + open.upcoming > 0) {
      this.deps.metrics.accountClosures.inc({ result: 'open_bookings' });
      throw AppError.conflict(
        'OPEN_BOOKINGS',
        'The account has bookings still going: cancel them, or close it after the events',
        open,
      );
    }
    const now = this.deps.clock.now();
    const ended = await this.deps.db.transaction().execute(async (trx) => {
      if (!(await this.deps.users.close(user.id, user.passwordHash, now, trx))) return null;
      const data: EventDataByType['user.deleted'] = { userId: user.id, deletedAt: now.toISOString() };
      await enqueueEvent(trx, this.deps.schema, 'auth', EventTypes.userDeleted, data);
      return this.deps.sessions.revokeUserSessions(user.id, 'account_closed', trx);
    });
    if (!ended) {
      this.deps.metrics.accountClosures.inc({ result: 'conflict' });
      throw AppError.conflict(
        'PASSWORD_CHANGED_MEANWHILE',
        'The password was changed by another request meanwhile; use the new one',
      );
    }
    this.deps.relay()?.poke();
    await this.deps.sessions.markRevoked(ended);
    this.deps.metrics.accountClosures.inc({ result: 'closed' });
  }
}
