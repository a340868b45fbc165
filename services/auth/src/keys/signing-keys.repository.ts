import type { Kysely } from 'kysely';
import type { JWK } from 'jose';

export interface SigningKeyRow {
  kid: string;
  alg: string;
  publicJwk: JWK;
  privateJwk: JWK;
  createdAt: Date;
}

const parse = (value: unknown): JWK => (typeof value === 'string' ? JSON.parse(value) : value) as JWK;

export class SigningKeysRepository {
  constructor(private readonly db: Kysely<any>) {}

  /** Newest first (kids are time-sortable). */
  async listSince(since: Date): Promise<SigningKeyRow[]> {
    const rows = await this.db
      .selectFrom('signing_keys')
      .selectAll()
      .where('created_at', '>=', since)
      .orderBy('kid', 'desc')
      .execute();
    return rows.map((r) => ({
      kid: r.kid,
      alg: r.alg,
      publicJwk: parse(r.public_jwk),
      privateJwk: parse(r.private_jwk),
      createdAt: new Date(r.created_at),
    }));
  }

  async newest(): Promise<SigningKeyRow | null> {
    const r = await this.db
      .selectFrom('signing_keys')
      .selectAll()
      .orderBy('kid', 'desc')
      .limit(1)
      .executeTakeFirst();
    return r
      ? {
          kid: r.kid,
          alg: r.alg,
          publicJwk: parse(r.public_jwk),
          privateJwk: parse(r.private_jwk),
          createdAt: new Date(r.created_at),
        }
      : null;
  }

  async insert(key: Omit<SigningKeyRow, 'createdAt'>, createdAt: Date): Promise<void> {
    await this.db
      .insertInto('signing_keys')
      .values({
        kid: key.kid,
        alg: key.alg,
        public_jwk: JSON.stringify(key.publicJwk),
        private_jwk: JSON.stringify(key.privateJwk),
        created_at: createdAt,
      })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
}
