import type { Kysely, Transaction } from 'kysely';

type Db = Kysely<any> | Transaction<any>;

export interface RefreshTokenRow {
  id: string;
  sessionId: string;
  expiresAt: Date;
  usedAt: Date | null;
  sessionRevokedAt: Date | null;
  userId: string;
}

export class SessionsRepository {
  constructor(private readonly db: Kysely<any>) {}

  async createSession(
    s: { id: string; userId: string; ip?: string; userAgent?: string; at: Date },
    db: Db = this.db,
  ): Promise<void> {
    await db
      .insertInto('sessions')
      .values({
        id: s.id,
        user_id: s.userId,
        ip: s.ip ?? null,
        user_agent: s.userAgent?.slice(0, 300) ?? null,
        created_at: s.at,
      })
      .execute();
  }

  async insertToken(
    t: { id: string; sessionId: string; tokenHash: string; expiresAt: Date; at: Date },
    db: Db = this.db,
  ): Promise<void> {
    await db
      .insertInto('refresh_tokens')
      .values({
        id: t.id,
        session_id: t.sessionId,
        token_hash: t.tokenHash,
        expires_at: t.expiresAt,
        created_at: t.at,
      })
      .execute();
  }

  /** The token row locked for this transaction, so two refreshes of one token serialise. */
  async lockToken(tokenHash: string, db: Db): Promise<RefreshTokenRow | null> {
    const r = await db
      .selectFrom('refresh_tokens as t')
      .innerJoin('sessions as s', 's.id', 't.session_id')
      .select(['t.id', 't.session_id', 't.expires_at', 't.used_at', 's.revoked_at', 's.user_id'])
      .where('t.token_hash', '=', tokenHash)
      .forUpdate()
      .executeTakeFirst();
    if (!r) return null;
    return {
      id: r.id,
      sessionId: r.session_id,
      expiresAt: new Date(r.expires_at),
      usedAt: r.used_at ? new Date(r.used_at) : null,
      sessionRevokedAt: r.revoked_at ? new Date(r.revoked_at) : null,
      userId: r.user_id,
    };
  }

  async markUsed(id: string, at: Date, db: Db): Promise<void> {
    await db.updateTable('refresh_tokens').set({ used_at: at }).where('id', '=', id).execute();
  }

  /** Returns the ids of sessions that this call revoked (already-revoked ones are left as they were). */
  async revokeSessions(
    where: { sessionId?: string; userId?: string; exceptSessionId?: string },
    reason: string,
    at: Date,
    db: Db = this.db,
  ): Promise<string[]> {
    let q = db
      .updateTable('sessions')
      .set({ revoked_at: at, revoke_reason: reason })
      .where('revoked_at', 'is', null);
    if (where.sessionId) q = q.where('id', '=', where.sessionId);
    if (where.userId) q = q.where('user_id', '=', where.userId);
    if (where.exceptSessionId) q = q.where('id', '<>', where.exceptSessionId);
    const rows = await q.returning('id').execute();
    return rows.map((r) => r.id as string);
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    const r = await this.db
      .selectFrom('sessions')
      .select('revoked_at')
      .where('id', '=', sessionId)
      .executeTakeFirst();
    return !r || r.revoked_at !== null;
  }

  async revokedSince(since: Date): Promise<string[]> {
    const rows = await this.db.selectFrom('sessions').select('id').where('revoked_at', '>=', since).execute();
    return rows.map((r) => r.id as string);
  }
}
