import { createHash, randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import {
  AppError,
  newId,
  revokedSessionKey,
  SESSION_REVOKED_CHANNEL,
  type Clock,
  type Coordination,
} from '@tiketi/platform';
import type { AuthMetrics } from '../auth.metrics';
import type { KeyRing } from '../keys/key-ring';
import type { UserRow, UsersRepository } from '../users/users.repository';
import type { SessionsRepository } from './sessions.repository';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

export interface SessionServiceDeps {
  db: Kysely<any>;
  users: UsersRepository;
  sessions: SessionsRepository;
  keys: KeyRing;
  coordination: Coordination;
  clock: Clock;
  log: Logger;
  accessTtlSeconds: number;
  refreshTtlDays: number;
  metrics: AuthMetrics;
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

const invalidRefresh = () =>
  AppError.unauthorized('INVALID_REFRESH_TOKEN', 'Refresh token is invalid or expired');

/**
 * A session is one refresh-token family. Refresh tokens are opaque, stored hashed and single-use:
 * each refresh marks the presented token used and issues the next one. A used token presented
 * again means it was copied, so the whole family is revoked.
 */
export class SessionService {
  constructor(private readonly deps: SessionServiceDeps) {}

  /** Access tokens of a revoked session must fail everywhere until they would have expired anyway. */
  private get revocationTtlMs(): number {
    return (this.deps.accessTtlSeconds + 60) * 1000;
  }

  /** A new access token for a live session, carrying the user as it is now (after a profile change). */
  async accessToken(user: UserRow, sid: string): Promise<string> {
    const { token } = await this.deps.keys.signAccessToken({
      userId: user.id,
      role: user.role,
      sid,
      email: user.email,
      name: user.name,
    });
    return token;
  }

  private newRefreshToken(): { token: string; hash: string } {
    const token = randomBytes(32).toString('base64url');
    return { token, hash: hashRefreshToken(token) };
  }

  async start(user: UserRow, meta: { ip?: string; userAgent?: string }): Promise<TokenPair> {
    const now = this.deps.clock.now();
    const sid = newId('ses');
    const refresh = this.newRefreshToken();
    await this.deps.db.transaction().execute(async (trx) => {
      await this.deps.sessions.createSession(
        { id: sid, userId: user.id, ip: meta.ip, userAgent: meta.userAgent, at: now },
        trx,
      );
      await this.deps.sessions.insertToken(
        {
          id: newId('rtk'),
          sessionId: sid,
          tokenHash: refresh.hash,
          expiresAt: this.refreshExpiry(now),
          at: now,
        },
        trx,
      );
    });
    return { accessToken: await this.accessToken(user, sid), refreshToken: refresh.token };
  }

  private refreshExpiry(now: Date): Date {
    return new Date(now.getTime() + this.deps.refreshTtlDays * 86_400_000);
  }

  async refresh(presented: string): Promise<TokenPair> {
    const now = this.deps.clock.now();
    const next = this.newRefreshToken();
    // Decide inside the transaction, act on the outcome after it commits: a reuse must leave the
    // family revoked, so it cannot be an exception that rolls the revocation back.
    const outcome = await this.deps.db.transaction().execute(async (trx) => {
      const row = await this.deps.sessions.lockToken(hashRefreshToken(presented), trx);
      if (!row) return { kind: 'unknown' as const };
      if (row.sessionRevokedAt) return { kind: 'revoked' as const };
      if (row.usedAt) {
        await this.deps.sessions.revokeSessions(
          { sessionId: row.sessionId },
          'refresh_token_reused',
          now,
          trx,
        );
        return { kind: 'reused' as const, sessionId: row.sessionId, userId: row.userId };
      }
      if (row.expiresAt <= now) return { kind: 'expired' as const };
      await this.deps.sessions.markUsed(row.id, now, trx);
      await this.deps.sessions.insertToken(
        {
          id: newId('rtk'),
          sessionId: row.sessionId,
          tokenHash: next.hash,
          expiresAt: this.refreshExpiry(now),
          at: now,
        },
        trx,
      );
      return { kind: 'rotated' as const, sessionId: row.sessionId, userId: row.userId };
    });

    this.deps.metrics.refreshes.inc({
      result: outcome.kind === 'rotated' || outcome.kind === 'reused' ? outcome.kind : 'invalid',
    });
    if (outcome.kind === 'reused') {
      await this.markRevoked([outcome.sessionId]);
      this.deps.log.warn(
        { sessionId: outcome.sessionId, userId: outcome.userId },
        'refresh token reused; session family revoked',
      );
      throw AppError.unauthorized(
        'REFRESH_TOKEN_REUSED',
        'This refresh token was already used; the session has been ended',
      );
    }
    if (outcome.kind !== 'rotated') throw invalidRefresh();
    // The role and name come from the user as it is now: a promotion shows up at the next refresh.
    const user = await this.deps.users.findById(outcome.userId);
    if (!user) throw invalidRefresh();
    return { accessToken: await this.accessToken(user, outcome.sessionId), refreshToken: next.token };
  }

  /** Ends the session of the refresh token (and of the access token's sid, when given). Idempotent. */
  async logout(refreshToken: string | undefined, accessSid: string | undefined): Promise<void> {
    const now = this.deps.clock.now();
    const sids = new Set<string>();
    if (accessSid) sids.add(accessSid);
    if (refreshToken) {
      const row = await this.deps.db
        .transaction()
        .execute((trx) => this.deps.sessions.lockToken(hashRefreshToken(refreshToken), trx));
      if (row) sids.add(row.sessionId);
    }
    for (const sid of sids) await this.deps.sessions.revokeSessions({ sessionId: sid }, 'logout', now);
    await this.markRevoked([...sids]);
  }

  /** Ends every session of a user (role change, account lock). */
  async revokeUser(userId: string, reason: string): Promise<void> {
    const sids = await this.deps.sessions.revokeSessions({ userId }, reason, this.deps.clock.now());
    await this.markRevoked(sids);
  }

  /**
   * Ends a user's sessions inside the caller's transaction, all of them or all but one (a password
   * change keeps the device that made it). The caller publishes the returned sessions once it has
   * committed (markRevoked).
   */
  async revokeUserSessions(
    userId: string,
    reason: string,
    trx: Transaction<any>,
    exceptSid?: string,
  ): Promise<string[]> {
    return this.deps.sessions.revokeSessions(
      { userId, exceptSessionId: exceptSid },
      reason,
      this.deps.clock.now(),
      trx,
    );
  }

  /**
   * Tells every service (through coordination) that these sessions' access tokens are dead: the key
   * first, which every check reads, then the message, on which gateways drop a session they trusted
   * (RevocationWatch). A gateway whose subscription dropped asks again; should the message itself be
   * lost, a gateway trusts the session 30 s at most.
   */
  async markRevoked(sids: string[]): Promise<void> {
    for (const sid of sids) {
      try {
        await this.deps.coordination.set(revokedSessionKey(sid), '1', { ttlMs: this.revocationTtlMs });
        await this.deps.coordination.publish(SESSION_REVOKED_CHANNEL, sid);
      } catch (err) {
        // The database keeps the record; start-up republishes it (see republishRecentRevocations).
        this.deps.log.error({ err, sid }, 'could not publish session revocation');
      }
    }
  }

  /** After a Redis loss the revocation keys are gone: put back those that still matter. */
  async republishRecentRevocations(): Promise<number> {
    const since = new Date(this.deps.clock.now().getTime() - this.revocationTtlMs);
    const sids = await this.deps.sessions.revokedSince(since);
    await this.markRevoked(sids);
    return sids.length;
  }

  async isRevoked(sid: string): Promise<boolean> {
    return this.deps.sessions.isRevoked(sid);
  }
}
