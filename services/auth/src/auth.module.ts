import {
  createTokenVerifier,
  AppError,
  isProduction,
  ServiceClient,
  createMailer,
  type AuthUser,
  type ServiceContext,
  type TokenVerifier,
} from '@tiketi/platform';
import type { AuthConfig } from './auth.config';
import { createAuthMetrics } from './auth.metrics';
import { AccountService } from './account/account.service';
import { LoginThrottle } from './account/login-throttle';
import { ProfileService } from './account/profile.service';
import { createPasswordHasher } from './account/passwords';
import { AdminUsersService } from './admin/admin-users.service';
import { KeyRing } from './keys/key-ring';
import { SigningKeysRepository } from './keys/signing-keys.repository';
import { SessionService } from './sessions/session.service';
import { SessionsRepository } from './sessions/sessions.repository';
import { UsersRepository } from './users/users.repository';
import { PasswordResetService } from './recovery/password-reset.service';
import { PasswordResetsRepository } from './recovery/password-resets.repository';

export interface AuthModule {
  keys: KeyRing;
  users: UsersRepository;
  sessions: SessionService;
  accounts: AccountService;
  profiles: ProfileService;
  adminUsers: AdminUsersService;
  resets: PasswordResetService;
  /** Verifies this service's own tokens with its own key set, and the session against the database. */
  verifier: TokenVerifier;
}

/** Wires the auth service's parts from its context (one per context: metrics live on its registry). */
export function createAuthModule(ctx: ServiceContext<AuthConfig>): AuthModule {
  const { config } = ctx;
  const users = new UsersRepository(ctx.db);
  const metrics = createAuthMetrics(ctx.metrics);
  const keys = new KeyRing(
    new SigningKeysRepository(ctx.db),
    ctx.clock,
    config.SIGNING_KEY_ROTATION_DAYS,
    config.ACCESS_TOKEN_TTL_SECONDS,
  );
  const sessions = new SessionService({
    db: ctx.db,
    users,
    sessions: new SessionsRepository(ctx.db),
    keys,
    coordination: ctx.coordination,
    clock: ctx.clock,
    log: ctx.log,
    accessTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
    refreshTtlDays: config.REFRESH_TOKEN_TTL_DAYS,
    metrics,
  });
  const relay = () => ctx.relay;
  const ticket = new ServiceClient(config.TICKET_URL, config.INTERNAL_TOKEN, 'ticket');
  const passwords = createPasswordHasher({
    memoryKib: config.ARGON2_MEMORY_KIB,
    timeCost: config.ARGON2_TIME_COST,
  });
  // One throttle for sign-ins and password changes: both are guesses at the same password.
  const throttle = new LoginThrottle(
    ctx.coordination,
    {
      maxPerAccount: config.LOGIN_MAX_ATTEMPTS,
      maxPerIp: config.LOGIN_MAX_ATTEMPTS_PER_IP,
      windowSeconds: config.LOGIN_WINDOW_SECONDS,
    },
    { log: ctx.log, unavailable: metrics.throttleUnavailable },
  );
  const accountDeps = {
    db: ctx.db,
    schema: ctx.schema,
    users,
    sessions,
    passwords,
    throttle,
    metrics,
    clock: ctx.clock,
    relay,
  };
  const accounts = new AccountService(accountDeps);
  const profiles = new ProfileService({
    ...accountDeps,
    strongAdminPasswords: isProduction(config),
    openBookings: (userId) =>
      ticket.call<{ pending: number; upcoming: number }>(
        `/internal/users/${encodeURIComponent(userId)}/open-bookings`,
      ),
  });
  const mailer = createMailer(config);
  const resets = new PasswordResetService({
    db: ctx.db,
    users,
    resets: new PasswordResetsRepository(ctx.db),
    sessions,
    passwords,
    throttle,
    coordination: ctx.coordination,
    mailer,
    clock: ctx.clock,
    log: ctx.log,
    outcomes: metrics.passwordResets,
    webUrl: config.PUBLIC_WEB_URL,
    ttlMinutes: config.PASSWORD_RESET_TTL_MINUTES,
    maxPerAccount: config.PASSWORD_RESET_MAX_PER_ACCOUNT,
    maxPerIp: config.PASSWORD_RESET_MAX_PER_IP,
    strongAdminPasswords: isProduction(config),
  });
  // Registered after the database: closing runs in reverse, so the mails being sent finish first.
  ctx.onClose(async () => {
    await resets.settle();
    await mailer.close();
  });
  const adminUsers = new AdminUsersService({
    db: ctx.db,
    schema: ctx.schema,
    users,
    sessions,
    clock: ctx.clock,
    relay,
  });

  const signatureCheck = createTokenVerifier({ jwks: () => keys.jwks(), coordination: ctx.coordination });
  const assertActive = async (user: AuthUser): Promise<void> => {
    await signatureCheck.assertActive(user);
    // The database is the record of revocation: it still holds after coordination lost its keys.
    if (await sessions.isRevoked(user.sid)) throw AppError.unauthorized('TOKEN_REVOKED', 'Session has ended');
  };
  const verifier: TokenVerifier = {
    verifySigned: (token) => signatureCheck.verifySigned(token),
    assertActive,
    async verify(token) {
      const user = await signatureCheck.verifySigned(token);
      await assertActive(user);
      return user;
    },
  };
  return { keys, users, sessions, accounts, profiles, adminUsers, resets, verifier };
}
