import { ConfigError, isProduction } from '@tiketi/platform';
import type { Logger } from 'pino';
import type { AccountService } from '../account/account.service';
import { adminPasswordWeakness } from '../account/passwords';
import type { AuthConfig } from '../auth.config';
import type { UsersRepository } from '../users/users.repository';

export const DEMO_ADMIN = { email: 'admin@tiketi.com', password: 'admin123', name: 'TIKETI Admin' } as const;

/** Refuses, before anything is written, an ADMIN_* pair that must not run in production. */
export function assertAdminConfig(config: AuthConfig): void {
  const { ADMIN_EMAIL: email, ADMIN_PASSWORD: password } = config;
  if (!email && !password) return;
  if (!email || !password) {
    throw new ConfigError(
      `Invalid configuration: ${email ? 'ADMIN_PASSWORD' : 'ADMIN_EMAIL'} must be set together with ${email ? 'ADMIN_EMAIL' : 'ADMIN_PASSWORD'}`,
    );
  }
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim()))
    throw new ConfigError(
      `Invalid configuration: ADMIN_EMAIL is not an email address (got ${JSON.stringify(email)})`,
    );
  if (isProduction(config)) {
    const weakness = adminPasswordWeakness(password, email);
    if (weakness)
      throw new ConfigError(
        `Invalid configuration: ADMIN_PASSWORD is too weak for production: it ${weakness}`,
      );
  } else if (password.length < 8) {
    throw new ConfigError('Invalid configuration: ADMIN_PASSWORD must be at least 8 characters');
  }
}

/**
 * Makes sure an administrator account exists: created when absent, promoted when it is a buyer.
 * An existing account keeps its password, so an operator who changed it is not reset at restart.
 * Safe on several replicas at once: the unique email decides who creates it.
 */
export async function ensureAdmin(
  deps: { accounts: AccountService; users: UsersRepository; log: Logger; now: () => Date },
  admin: { email: string; password: string; name: string },
): Promise<'created' | 'promoted' | 'present'> {
  const existing = await deps.users.findByEmail(admin.email);
  if (existing) {
    if (existing.role === 'admin') return 'present';
    await deps.users.setRole(existing.id, 'admin', deps.now());
    deps.log.warn({ userId: existing.id, email: existing.email }, 'existing account promoted to admin');
    return 'promoted';
  }
  const created = await deps.accounts.createUser({
    email: admin.email,
    password: admin.password,
    name: admin.name,
    role: 'admin',
  });
  if (!created) return ensureAdmin(deps, admin);
  return 'created';
}
