import type { Kysely } from 'kysely';
import {
  AppError,
  enqueueEvent,
  isAppError,
  newId,
  type Clock,
  type OutboxRelay,
  type Role,
} from '@tiketi/platform';
import { EventTypes, type EventDataByType, type PublicUser } from '@tiketi/contracts';
import type { AuthMetrics } from '../auth.metrics';
import type { SessionService, TokenPair } from '../sessions/session.service';
import { normalizeEmail, type UserRow, type UsersRepository } from '../users/users.repository';
import type { LoginAttempt, LoginThrottle } from './login-throttle';
import type { PasswordHasher } from './passwords';

export interface RequestMeta {
  ip: string;
  userAgent?: string;
}

export interface AccountServiceDeps {
  db: Kysely<any>;
  schema: string;
  users: UsersRepository;
  sessions: SessionService;
  passwords: PasswordHasher;
  throttle: LoginThrottle;
  metrics: AuthMetrics;
  clock: Clock;
  relay: () => OutboxRelay | null;
}

export function publicUser(user: UserRow): PublicUser {
  return { id: user.id, email: user.email, name: user.name, role: user.role, phone: user.phone };
}

export class AccountService {
  /** Verified against when the email is unknown, so a miss costs as long as a wrong password. */
  private dummyHash: Promise<string> | null = null;

  constructor(private readonly deps: AccountServiceDeps) {}

  /** Creates a user and writes user.registered in the same transaction. Null when the email is taken. */
  async createUser(input: {
    email: string;
    password: string;
    name: string;
    phone?: string | null;
    role: Role;
  }): Promise<UserRow | null> {
    const passwordHash = await this.deps.passwords.hash(input.password);
    const user = await this.deps.db.transaction().execute(async (trx) => {
      const inserted = await this.deps.users.insert({ id: newId('usr'), ...input, passwordHash }, trx);
      if (!inserted) return null;
      const data: EventDataByType['user.registered'] = {
        userId: inserted.id,
        email: inserted.email,
        name: inserted.name,
        role: inserted.role,
        registeredAt: inserted.createdAt.toISOString(),
      };
      await enqueueEvent(trx, this.deps.schema, 'auth', EventTypes.userRegistered, data);
      return inserted;
    });
    if (user) {
      this.deps.relay()?.poke();
      this.deps.metrics.registrations.inc();
    }
    return user;
  }

  async register(
    input: { email: string; password: string; name: string; phone?: string },
    meta: RequestMeta,
  ): Promise<{ user: PublicUser } & TokenPair> {
    const name = input.name.trim();
    if (!name)
      throw AppError.invalid('VALIDATION_FAILED', 'Name must not be blank', {
        path: 'body.name',
        issues: [{ path: 'body.name', message: 'must not be blank' }],
      });
    const user = await this.createUser({
      email: input.email,
      password: input.password,
      name,
      phone: input.phone?.trim() || null,
      role: 'user',
    });
    if (!user) throw AppError.conflict('EMAIL_TAKEN', 'An account with this email already exists');
    await this.deps.users.touchLogin(user.id, this.deps.clock.now());
    const tokens = await this.deps.sessions.start(user, meta);
    return { user: publicUser(user), ...tokens };
  }

  async login(
    input: { email: string; password: string },
    meta: RequestMeta,
  ): Promise<{ user: PublicUser } & TokenPair> {
    const email = normalizeEmail(input.email);
    let attempt: LoginAttempt;
    try {
      attempt = await this.deps.throttle.admit(email, meta.ip);
    } catch (err) {
      if (isAppError(err)) this.deps.metrics.logins.inc({ result: 'throttled' });
      throw err;
    }
    const user = await this.deps.users.findByEmail(email);
    this.dummyHash ??= this.deps.passwords.hash('timing-equaliser-password');
    const ok = user
      ? await this.deps.passwords.verify(user.passwordHash, input.password)
      : (await this.deps.passwords.verify(await this.dummyHash, input.password), false);
    if (!user || !ok) {
      await this.deps.throttle.recordFailure(email, meta.ip, attempt);
      this.deps.metrics.logins.inc({ result: 'invalid' });
      throw AppError.unauthorized('INVALID_CREDENTIALS', 'Email or password is incorrect');
    }
    await this.deps.throttle.recordSuccess(email, meta.ip, attempt);
    await this.deps.users.touchLogin(user.id, this.deps.clock.now());
    this.deps.metrics.logins.inc({ result: 'success' });
    const tokens = await this.deps.sessions.start(user, meta);
    return { user: publicUser(user), ...tokens };
  }

  async me(userId: string): Promise<PublicUser> {
    const user = await this.deps.users.findById(userId);
    if (!user) throw AppError.unauthorized('INVALID_TOKEN', 'Account no longer exists');
    return publicUser(user);
  }
}
