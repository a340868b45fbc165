import type { Kysely } from 'kysely';
import { AppError, isAppError, type AuthUser, type Clock } from '@tiketi/platform';
import type { PublicUser } from '@tiketi/contracts';
import type { AuthMetrics } from '../auth.metrics';
import type { SessionService } from '../sessions/session.service';
import type { UsersRepository } from '../users/users.repository';
import { publicUser, type RequestMeta } from './account.service';
import type { LoginAttempt, LoginThrottle } from './login-throttle';
import { adminPasswordWeakness, type PasswordHasher } from './passwords';

export interface ProfileServiceDeps {
  db: Kysely<any>;
  users: UsersRepository;
  sessions: SessionService;
  passwords: PasswordHasher;
  throttle: LoginThrottle;
  metrics: AuthMetrics;
  clock: Clock;
  /** Production holds an administrator's new password to the rule its first one met at boot. */
  strongAdminPasswords: boolean;
}

export interface ProfileChanges {
  name?: string;
  phone?: string | null;
}

const gone = () => AppError.unauthorized('INVALID_TOKEN', 'Account no longer exists');

/** What a signed-in user changes about their own account: name, phone and password. */
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
   * Checks the current password (counted with sign-in failures, so a stolen access token cannot be
   * used to guess it), stores the new one and ends every other session of the account in the same
   * transaction: whoever else was signed in must sign in again with the new password. The session
   * that made the change stays signed in.
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
    if (user.role === 'admin' && this.deps.strongAdminPasswords) {
      const weakness = adminPasswordWeakness(input.newPassword, user.email);
      if (weakness)
        throw AppError.invalid('WEAK_PASSWORD', `An administrator's password ${weakness}`, {
          path: 'body.newPassword',
          reason: weakness,
        });
    }

    let attempt: LoginAttempt;
    try {
      attempt = await this.deps.throttle.admit(user.email, meta.ip);
    } catch (err) {
      if (isAppError(err)) this.deps.metrics.passwordChanges.inc({ result: 'throttled' });
      throw err;
    }
    if (!(await this.deps.passwords.verify(user.passwordHash, input.currentPassword))) {
      await this.deps.throttle.recordFailure(user.email, meta.ip, attempt);
      this.deps.metrics.passwordChanges.inc({ result: 'wrong_password' });
      throw AppError.forbidden('INVALID_CURRENT_PASSWORD', 'The current password is incorrect');
    }
    await this.deps.throttle.recordSuccess(user.email, meta.ip, attempt);

    const nextHash = await this.deps.passwords.hash(input.newPassword);
    const now = this.deps.clock.now();
    const ended = await this.deps.db.transaction().execute(async (trx) => {
      if (!(await this.deps.users.replacePasswordHash(user.id, user.passwordHash, nextHash, now, trx)))
        return null;
      return this.deps.sessions.revokeOtherSessions(user.id, caller.sid, 'password_changed', trx);
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
}
