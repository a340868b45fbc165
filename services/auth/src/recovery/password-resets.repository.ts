import type { Kysely, Transaction } from 'kysely';

type Db = Kysely<any> | Transaction<any>;

export interface PasswordResetRow {
  id: string;
  userId: string;
}

export class PasswordResetsRepository {
  constructor(private readonly db: Kysely<any>) {}

  async insert(row: {
    id: string;
    userId: string;
    tokenHash: string;
    createdAt: Date;
    expiresAt: Date;
    ip: string;
  }): Promise<void> {
    await this.db
      .insertInto('password_resets')
      .values({
        id: row.id,
        user_id: row.userId,
        token_hash: row.tokenHash,
        created_at: row.createdAt,
        expires_at: row.expiresAt,
        ip: row.ip,
      })
      .execute();
  }

  /**
   * Links issued since `since` to an account or from an address, and when the oldest of them was:
   * the hourly caps' record while coordination (their fast path) is down.
   */
  async issuedSince(
    by: { userId: string } | { ip: string },
    since: Date,
  ): Promise<{ count: number; oldest: Date | null }> {
    const row = await this.db
      .selectFrom('password_resets')
      .select((eb) => [eb.fn.countAll<string>().as('count'), eb.fn.min('created_at').as('oldest')])
      .where('created_at', '>=', since)
      .where((eb) => ('userId' in by ? eb('user_id', '=', by.userId) : eb('ip', '=', by.ip)))
      .executeTakeFirstOrThrow();
    return { count: Number(row.count), oldest: row.oldest ? new Date(row.oldest as string | Date) : null };
  }

  /** The reset a token opens, while it is unspent and unexpired. */
  async findUsable(tokenHash: string, now: Date): Promise<PasswordResetRow | null> {
    const r = await this.db
      .selectFrom('password_resets')
      .select(['id', 'user_id'])
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return r ? { id: r.id, userId: r.user_id } : null;
  }

  /** Spends a reset once: of two requests with the same link, one gets true. */
  async spend(id: string, now: Date, db: Db): Promise<boolean> {
    const r = await db
      .updateTable('password_resets')
      .set({ used_at: now })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Spends every other open link of the user: once the password is reset, older mails stop working. */
  async spendAllOf(userId: string, now: Date, db: Db): Promise<number> {
    const r = await db
      .updateTable('password_resets')
      .set({ used_at: now })
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** Links expired before `before` go: a spent or dead link proves nothing any more. */
  async pruneExpired(before: Date): Promise<number> {
    const r = await this.db.deleteFrom('password_resets').where('expires_at', '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
