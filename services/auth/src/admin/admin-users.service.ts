import type { Kysely } from 'kysely';
import {
  AppError,
  enqueueEvent,
  type AuthUser,
  type Clock,
  type OutboxRelay,
  type Role,
} from '@tiketi/platform';
import { EventTypes, type EventDataByType } from '@tiketi/contracts';
import type { SessionService } from '../sessions/session.service';
import type { UserRow, UsersRepository } from '../users/users.repository';

export interface AdminUserView {
  id: string;
  email: string;
  name: string;
  phone: string | null;
  role: Role;
  createdAt: string;
  lastLoginAt: string | null;
  closedAt: string | null;
}

export function adminUserView(u: UserRow): AdminUserView {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    phone: u.phone,
    role: u.role,
    createdAt: u.createdAt.toISOString(),
    lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
    closedAt: u.deletedAt?.toISOString() ?? null,
  };
}

export class AdminUsersService {
  constructor(
    private readonly deps: {
      db: Kysely<any>;
      schema: string;
      users: UsersRepository;
      sessions: SessionService;
      clock: Clock;
      relay: () => OutboxRelay | null;
    },
  ) {}

  async list(query: { q?: string; role?: Role; page: number; limit: number }) {
    const { items, total } = await this.deps.users.search({
      q: query.q || undefined,
      role: query.role,
      limit: query.limit,
      offset: (query.page - 1) * query.limit,
    });
    return { items: items.map(adminUserView), total, page: query.page, limit: query.limit };
  }

  /**
   * Changes a role. The admin rows are locked first, so two admins demoting each other at once
   * cannot leave the platform with none. A demoted user's sessions end at once: their admin
   * access tokens must not outlive the decision.
   */
  async setRole(actor: AuthUser, userId: string, role: Role): Promise<AdminUserView> {
    const now = this.deps.clock.now();
    const result = await this.deps.db.transaction().execute(async (trx) => {
      const admins = await this.deps.users.lockAdmins(trx);
      const before = await this.deps.users.findById(userId, trx);
      if (!before) throw AppError.notFound('USER_NOT_FOUND', 'No such user');
      if (before.role === role) return { user: before, changed: false };
      if (before.deletedAt) throw AppError.conflict('ACCOUNT_CLOSED', 'This account was closed by its owner');
      if (before.role === 'admin' && role !== 'admin' && admins.length <= 1) {
        throw AppError.conflict(
          'LAST_ADMIN',
          'The last administrator cannot be demoted; promote another user first',
        );
      }
      const after = (await this.deps.users.setRole(userId, role, now, trx))!;
      const audit: EventDataByType['audit.recorded'] = {
        actorId: actor.id,
        actorEmail: actor.email,
        action: 'user.role',
        targetType: 'user',
        targetId: userId,
        before: { role: before.role },
        after: { role: after.role },
        occurredAt: now.toISOString(),
      };
      await enqueueEvent(trx, this.deps.schema, 'auth', EventTypes.auditRecorded, audit);
      return { user: after, changed: true };
    });
    if (result.changed) {
      this.deps.relay()?.poke();
      if (role !== 'admin') await this.deps.sessions.revokeUser(userId, 'role_changed');
    }
    return adminUserView(result.user);
  }
}
