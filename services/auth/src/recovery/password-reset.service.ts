import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Counter } from 'prom-client';
import { AppError, newId, type Clock, type Coordination, type Logger, type Mailer } from '@tiketi/platform';
import type { RequestMeta } from '../account/account.service';
import type { LoginThrottle } from '../account/login-throttle';
import { assertNewPasswordAllowed, type PasswordHasher } from '../account/passwords';
import type { SessionService } from '../sessions/session.service';
import { normalizeEmail, type UsersRepository } from '../users/users.repository';
import type { PasswordResetsRepository } from './password-resets.repository';
import { resetMail, type MailLocale } from './reset-mail';

export interface PasswordResetDeps {
  db: Kysely<any>;
  users: UsersRepository;
  resets: PasswordResetsRepository;
  sessions: SessionService;
  passwords: PasswordHasher;
  throttle: LoginThrottle;
  coordination: Coordination;
  mailer: Mailer;
  clock: Clock;
  log: Logger;
  outcomes: Counter<'result'>;
  /** Where buyers open the web app: the mailed link points at its reset page. */
  webUrl: string;
  ttlMinutes: number;
  maxPerAccount: number;
  maxPerIp: number;
  strongAdminPasswords: boolean;
}

const HOUR_MS = 3_600_000;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

const invalidLink = () =>
  AppError.invalid('INVALID_RESET_TOKEN', 'This reset link is not valid: it was used already or it expired', {
    path: 'body.token',
  });

/**
 * "Forgot password": a link mailed to the account's address lets its owner choose a new password.
 *
 * Asking answers the same whether or not an account has the address, and just as fast: the work
 * (finding the account, storing the link, sending the mail) happens after the answer, so neither
 * the status nor the timing tells a stranger which addresses have accounts. Addresses asking too
 * often are refused (429); an account gets a few mails an hour at most, however many ask.
 */
export class PasswordResetService {
  private readonly inFlight = new Set<Promise<void>>();
  private lastPruneAt = 0;

  constructor(private readonly deps: PasswordResetDeps) {}

  async request(
    input: { email: string; locale?: MailLocale },
    meta: RequestMeta,
  ): Promise<{ expiresInMinutes: number }> {
    await this.admitAddress(meta.ip);
    const job: Promise<void> = this.issue(normalizeEmail(input.email), input.locale ?? 'ko', meta)
      .catch((err: unknown) => {
        this.deps.outcomes.inc({ result: 'failed' });
        this.deps.log.error({ err }, 'password reset mail not sent');
      })
      .finally(() => this.inFlight.delete(job));
    this.inFlight.add(job);
    return { expiresInMinutes: this.deps.ttlMinutes };
  }

  /** Waits for the mails being sent (shutdown, tests). */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async admitAddress(ip: string): Promise<void> {
    let count: number;
    let ttlMs: number;
    try {
      ({ count, ttlMs } = await this.deps.coordination.hitWindow(`auth:reset:ip:${ip}`, HOUR_MS));
    } catch (err) {
      // Coordination is the fast path: without it the links this address had mailed in the hour
      // are counted from the database (unknown addresses leave no row, and get no mail either).
      this.deps.log.warn(
        { err: (err as Error).message },
        'reset request limit counted from the database (coordination down)',
      );
      const now = this.deps.clock.now().getTime();
      const issued = await this.deps.resets.issuedSince({ ip }, new Date(now - HOUR_MS));
      count = issued.count + 1;
      ttlMs = issued.oldest ? issued.oldest.getTime() + HOUR_MS - now : HOUR_MS;
    }
    if (count <= this.deps.maxPerIp) return;
    this.deps.outcomes.inc({ result: 'throttled' });
    const retryAfter = Math.max(1, Math.ceil(ttlMs / 1000));
    throw new AppError(
      'rate_limited',
      'TOO_MANY_RESET_REQUESTS',
      'Too many reset requests; try again later',
      {
        details: { retryAfterSeconds: retryAfter },
        headers: { 'retry-after': String(retryAfter) },
      },
    );
  }

  /**
   * Whether the account may get another mail this hour: counted by coordination, or, while it is
   * down, from the links the database holds.
   */
  private async admitAccount(email: string, userId: string): Promise<boolean> {
    try {
      const { count } = await this.deps.coordination.hitWindow(`auth:reset:acct:${email}`, HOUR_MS);
      return count <= this.deps.maxPerAccount;
    } catch (err) {
      this.deps.log.warn(
        { err: (err as Error).message },
        'reset mail cap counted from the database (coordination down)',
      );
      const since = new Date(this.deps.clock.now().getTime() - HOUR_MS);
      return (await this.deps.resets.issuedSince({ userId }, since)).count < this.deps.maxPerAccount;
    }
  }

  private async issue(email: string, locale: MailLocale, meta: RequestMeta): Promise<void> {
    const user = await this.deps.users.findByEmail(email);
    if (!user || user.deletedAt) {
      this.deps.outcomes.inc({ result: 'unknown_email' });
      return;
    }
    if (!(await this.admitAccount(email, user.id))) {
      this.deps.outcomes.inc({ result: 'account_limit' });
      this.deps.log.info(
        { userId: user.id },
        'password reset not mailed: the account had its share this hour',
      );
      return;
    }
    // 256 random bits: the link is the only proof asked for, so it must not be guessable.
    const token = randomBytes(32).toString('base64url');
    const now = this.deps.clock.now();
    await this.deps.resets.insert({
      id: newId('prs'),
      userId: user.id,
      tokenHash: hashToken(token),
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.deps.ttlMinutes * 60_000),
      ip: meta.ip,
    });
    if (now.getTime() - this.lastPruneAt > HOUR_MS) {
      this.lastPruneAt = now.getTime();
      await this.deps.resets.pruneExpired(new Date(now.getTime() - 7 * 24 * HOUR_MS));
    }
    // In the fragment, the token never reaches a server's access log or another site's Referer.
    const link = `${this.deps.webUrl.replace(/\/+$/, '')}/reset-password#token=${token}`;
    const sent = await this.deps.mailer.send(
      resetMail({ to: user.email, name: user.name, link, minutes: this.deps.ttlMinutes, locale }),
    );
    this.deps.outcomes.inc({ result: 'mailed' });
    this.deps.log.info(
      { userId: user.id, messageId: sent.messageId, mailer: this.deps.mailer.kind },
      'password reset mailed',
    );
  }

  /**
   * Spends the link and sets the new password in one transaction that also ends every session of
   * the account and every other open link: whoever was signed in, or holds an older mail, is out.
   * The account's sign-in lock ends too (the owner has proved their mailbox).
   */
  async reset(input: { token: string; newPassword: string }): Promise<{ email: string }> {
    const now = this.deps.clock.now();
    const found = await this.deps.resets.findUsable(hashToken(input.token), now);
    if (!found) {
      this.deps.outcomes.inc({ result: 'invalid_link' });
      throw invalidLink();
    }
    const user = await this.deps.users.findById(found.userId);
    if (!user || user.deletedAt) throw invalidLink();
    assertNewPasswordAllowed(user, input.newPassword, this.deps.strongAdminPasswords);
    const nextHash = await this.deps.passwords.hash(input.newPassword);
    const ended = await this.deps.db.transaction().execute(async (trx) => {
      if (!(await this.deps.resets.spend(found.id, now, trx))) return null;
      // Conditional on the hash read above: a password change or a closing in between wins, and
      // this transaction (with the spent link) rolls back.
      if (!(await this.deps.users.replacePasswordHash(user.id, user.passwordHash, nextHash, now, trx)))
        throw AppError.conflict(
          'PASSWORD_CHANGED_MEANWHILE',
          'The password was changed by another request meanwhile; ask for a new link if you still need one',
        );
      await this.deps.resets.spendAllOf(user.id, now, trx);
      return this.deps.sessions.revokeUserSessions(user.id, 'password_reset', trx);
    });
    if (!ended) {
      this.deps.outcomes.inc({ result: 'invalid_link' });
      throw invalidLink();
    }
    await this.deps.sessions.markRevoked(ended);
    await this.deps.throttle.forgive(user.email);
    this.deps.outcomes.inc({ result: 'reset' });
    return { email: user.email };
  }
}
