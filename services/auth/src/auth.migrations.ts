import { sql, type Migration } from 'kysely';

const S = 'auth';

/** Users, sessions (refresh-token families), refresh tokens and signing keys. */
export const coreMigration: Migration = {
  async up(db) {
    await db.schema
      .withSchema(S)
      .createTable('users')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      // Stored trimmed and lower-cased: uniqueness is case-insensitive.
      .addColumn('email', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('phone', 'text')
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) =>
        c
          .notNull()
          .defaultTo('user')
          .check(sql`role in ('user', 'admin')`),
      )
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('last_login_at', 'timestamptz')
      .execute();
    await sql`create index if not exists users_role on ${sql.table(`${S}.users`)} (role)`.execute(db);

    await db.schema
      .withSchema(S)
      .createTable('sessions')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references(`${S}.users.id`).onDelete('cascade'))
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('revoked_at', 'timestamptz')
      .addColumn('revoke_reason', 'text')
      .addColumn('ip', 'text')
      .addColumn('user_agent', 'text')
      .execute();
    await sql`create index if not exists sessions_user on ${sql.table(`${S}.sessions`)} (user_id)`.execute(
      db,
    );
    await sql`create index if not exists sessions_revoked on ${sql.table(`${S}.sessions`)} (revoked_at) where revoked_at is not null`.execute(
      db,
    );

    await db.schema
      .withSchema(S)
      .createTable('refresh_tokens')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('session_id', 'text', (c) => c.notNull().references(`${S}.sessions.id`).onDelete('cascade'))
      // sha256 of the opaque token: a database leak gives no usable token.
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .addColumn('used_at', 'timestamptz')
      .execute();
    await sql`create index if not exists refresh_tokens_session on ${sql.table(`${S}.refresh_tokens`)} (session_id)`.execute(
      db,
    );

    await db.schema
      .withSchema(S)
      .createTable('signing_keys')
      .ifNotExists()
      .addColumn('kid', 'text', (c) => c.primaryKey())
      .addColumn('alg', 'text', (c) => c.notNull())
      .addColumn('public_jwk', 'jsonb', (c) => c.notNull())
      .addColumn('private_jwk', 'jsonb', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
  },
};

/** Closed accounts: the row stays (sessions and audit point at it), its personal data do not. */
export const closedAccountsMigration: Migration = {
  async up(db) {
    await db.schema.withSchema(S).alterTable('users').addColumn('deleted_at', 'timestamptz').execute();
  },
};

/** Password-reset links: only a hash of each token is kept, and each is spent once. */
export const passwordResetsMigration: Migration = {
  async up(db) {
    await db.schema
      .withSchema(S)
      .createTable('password_resets')
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references(`${S}.users.id`).onDelete('cascade'))
      // sha256 of the token in the mailed link: a database leak gives no usable link.
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .addColumn('used_at', 'timestamptz')
      .addColumn('ip', 'text')
      .execute();
    await sql`create index if not exists password_resets_open on ${sql.table(`${S}.password_resets`)} (user_id) where used_at is null`.execute(
      db,
    );
  },
};
