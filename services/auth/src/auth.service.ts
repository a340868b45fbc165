import {
  defineService,
  identitySigner,
  installAuth,
  isProduction,
  mailDirectory,
  outboxClaimMigration,
  outboxMigration,
  type ServiceContext,
} from '@tiketi/platform';
import { authConfigSchema, type AuthConfig } from './auth.config';
import { closedAccountsMigration, coreMigration, passwordResetsMigration } from './auth.migrations';
import { createAuthModule, type AuthModule } from './auth.module';
import { authRoutes } from './auth.routes';
import { adminUsersRoutes, internalUsersRoutes } from './admin/admin-users.routes';
import { assertAdminConfig, DEMO_ADMIN, ensureAdmin } from './bootstrap/admin-bootstrap';

const modules = new WeakMap<ServiceContext<AuthConfig>, AuthModule>();

function moduleOf(ctx: ServiceContext<AuthConfig>): AuthModule {
  let module = modules.get(ctx);
  if (!module) {
    module = createAuthModule(ctx);
    modules.set(ctx, module);
  }
  return module;
}

export const authService = defineService<AuthConfig>({
  name: 'auth',
  portKey: 'AUTH_PORT',
  schema: 'auth',
  configSchema: authConfigSchema,
  migrations: {
    '0001_outbox': outboxMigration('auth'),
    '0001_outbox_claim': outboxClaimMigration('auth'),
    '0002_core': coreMigration,
    '0003_closed_accounts': closedAccountsMigration,
    '0004_password_resets': passwordResetsMigration,
  },
  openapi: { title: 'TIKETI auth service', description: 'Accounts, sign-in, sessions and access tokens' },
  // Auth verifies its own tokens with its own key set (below), not by fetching its JWKS over HTTP.
  app: { skipAuth: true },
  async routes(app, ctx) {
    // A weak production admin password stops the boot before anything listens.
    assertAdminConfig(ctx.config);
    const auth = moduleOf(ctx);
    await auth.keys.ensureActiveKey();
    if (isProduction(ctx.config) && !ctx.config.SMTP_URL)
      ctx.log.warn(
        { dir: mailDirectory(ctx.config) },
        'no SMTP_URL: password-reset mail is written to disk, not sent; buyers will not get their links',
      );
    installAuth(app, auth.verifier, identitySigner(ctx.config.INTERNAL_TOKEN));
    await authRoutes(app, auth);
    await adminUsersRoutes(app, auth);
    await internalUsersRoutes(app, auth, ctx.config.INTERNAL_TOKEN);

    const { ADMIN_EMAIL: email, ADMIN_PASSWORD: password } = ctx.config;
    if (email && password) {
      const outcome = await ensureAdmin(
        { accounts: auth.accounts, users: auth.users, log: ctx.log, now: () => ctx.clock.now() },
        { email, password, name: 'Administrator' },
      );
      ctx.log.info({ email: email.trim().toLowerCase(), outcome }, `admin account ${email} ${outcome}`);
    } else if (isProduction(ctx.config)) {
      ctx.log.info('no ADMIN_EMAIL/ADMIN_PASSWORD given: no administrator is created at boot');
    }
  },
  async start(ctx) {
    const republished = await moduleOf(ctx).sessions.republishRecentRevocations();
    if (republished > 0)
      ctx.log.info({ sessions: republished }, 'session revocations republished to coordination');
  },
  async seed(ctx) {
    // Production never gets the well-known demo account, even with DEMO_DATA=true.
    if (isProduction(ctx.config)) return;
    const auth = moduleOf(ctx);
    const outcome = await ensureAdmin(
      { accounts: auth.accounts, users: auth.users, log: ctx.log, now: () => ctx.clock.now() },
      { email: DEMO_ADMIN.email, password: DEMO_ADMIN.password, name: DEMO_ADMIN.name },
    );
    ctx.log.info(
      { email: DEMO_ADMIN.email, outcome },
      `demo admin ready: sign in as ${DEMO_ADMIN.email} / ${DEMO_ADMIN.password} (development only)`,
    );
  },
});
