import { sql, type Kysely, type Transaction } from 'kysely';
import type { Role } from '@tiketi/platform';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  phone: string | null;
  passwordHash: string;
  role: Role;
  createdAt: Date;
  updatedAt: Date;
  lastLoginAt: Date | null;
  deletedAt: Date | null;
}

type Db = Kysely<any> | Transaction<any>;

function toUser(r: Record<string, any>): UserRow {
  return {
    id: r.id,
    email: r.email,
    name: r.name,
    phone: r.phone ?? null,
    passwordHash: r.password_hash,
    role: r.role,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
    lastLoginAt: r.last_login_at ? new Date(r.last_login_at) : null,
    deletedAt: r.deleted_at ? new Date(r.deleted_at) : null,
  };
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export class UsersRepository {
  constructor(private readonly db: Kysely<any>) {}

  async findById(id: string, db: Db = this.db): Promise<UserRow | null> {
    const r = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toUser(r) : null;
  }

  async findByIds(ids: string[]): Promise<UserRow[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('users').selectAll().where('id', 'in', ids).execute();
    return rows.map(toUser);
  }

  async findByEmail(email: string, db: Db = this.db): Promise<UserRow | null> {
    const r = await db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', normalizeEmail(email))
      .executeTakeFirst();
    return r ? toUser(r) : null;
  }

  /** Returns null when the email is taken (the unique index decides, so two racing sign-ups cannot both win). */
  async insert(
    user: {
      id: string;
      email: string;
      name: string;
      phone?: string | null;
      passwordHash: string;
      role: Role;
    },
    db: Db = this.db,
  ): Promise<UserRow | null> {
    const r = await db
      .insertInto('users')
      .values({
        id: user.id,
        email: normalizeEmail(user.email),
        name: user.name,
        phone: user.phone ?? null,
        password_hash: user.passwordHash,
        role: user.role,
      })
      .onConflict((oc) => oc.column('email').doNothing())
      .returningAll()
      .executeTakeFirst();
    return r ? toUser(r) : null;
  }

  /** Changes what the buyer may edit; a field left undefined keeps its value. */
  async updateProfile(
    id: string,
    changes: { name?: string; phone?: string | null },
    at: Date,
  ): Promise<UserRow | null> {
    const set: Record<string, unknown> = { updated_at: at };
    if (changes.name !== undefined) set.name = changes.name;
    if (changes.phone !== undefined) set.phone = changes.phone;
    const r = await this.db
      .updateTable('users')
      .set(set)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return r ? toUser(r) : null;
  }

  /**
   * Replaces the hash only while it is still the one the caller verified: of two changes made at
   * once with the same old password, one wins and the other is told the password changed meanwhile.
   */
  async replacePasswordHash(
    id: string,
    verifiedHash: string,
    nextHash: string,
    at: Date,
    db: Db = this.db,
  ): Promise<boolean> {
    const r = await db
      .updateTable('users')
      .set({ password_hash: nextHash, updated_at: at })
      .where('id', '=', id)
      .where('password_hash', '=', verifiedHash)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /**
   * Closes an account: its email, name, phone and password are wiped (the email is free to sign up
   * again), the row and its id stay for the records that point at it. Only while the password is
   * still the one the caller verified, as for a password change.
   */
  async close(id: string, verifiedHash: string, at: Date, db: Db): Promise<boolean> {
    const r = await db
      .updateTable('users')
      .set({
        email: `closed+${id}@accounts.tiketi.invalid`,
        name: '',
        phone: null,
        password_hash: '!closed',
        deleted_at: at,
        updated_at: at,
      })
      .where('id', '=', id)
      .where('password_hash', '=', verifiedHash)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async touchLogin(id: string, at: Date): Promise<void> {
    await this.db.updateTable('users').set({ last_login_at: at }).where('id', '=', id).execute();
  }

  async setRole(id: string, role: Role, at: Date, db: Db = this.db): Promise<UserRow | null> {
    const r = await db
      .updateTable('users')
      .set({ role, updated_at: at })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return r ? toUser(r) : null;
  }

  /** Locks every admin row: the last-admin check and the demotion then cannot interleave with another. */
  async lockAdmins(db: Db): Promise<string[]> {
    const rows = await db
      .selectFrom('users')
      .select('id')
      .where('role', '=', 'admin')
      .orderBy('id')
      .forUpdate()
      .execute();
    return rows.map((r) => r.id as string);
  }

  async search(query: {
    q?: string;
    role?: Role;
    limit: number;
    offset: number;
  }): Promise<{ items: UserRow[]; total: number }> {
    let base = this.db.selectFrom('users').where('deleted_at', 'is', null);
    if (query.q) {
      const pattern = `%${query.q
        .trim()
        .toLowerCase()
        .replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      base = base.where((eb) =>
        eb.or([
          eb('email', 'like', pattern),
          eb(sql`lower(name)`, 'like', pattern),
          eb('id', '=', query.q!.trim()),
        ]),
      );
    }
    if (query.role) base = base.where('role', '=', query.role);
    const [rows, count] = await Promise.all([
      base
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(query.limit)
        .offset(query.offset)
        .execute(),
      base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst(),
    ]);
    return { items: rows.map(toUser), total: Number(count?.n ?? 0) };
  }
}
