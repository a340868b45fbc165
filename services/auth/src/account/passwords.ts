import { AppError } from '@tiketi/platform';
import { hash, verify, type Algorithm } from '@node-rs/argon2';

/** argon2id; `Algorithm` is a const enum the isolated-module build cannot inline, so its value is spelled out. */
const ARGON2ID = 2 as Algorithm;

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hashed: string, password: string): Promise<boolean>;
}

export function createPasswordHasher(options: { memoryKib: number; timeCost: number }): PasswordHasher {
  const params = {
    algorithm: ARGON2ID,
    memoryCost: options.memoryKib,
    timeCost: options.timeCost,
    parallelism: 1,
  };
  return {
    hash: (password) => hash(password, params),
    async verify(hashed, password) {
      try {
        return await verify(hashed, password);
      } catch {
        return false;
      }
    },
  };
}

const COMMON = new Set([
  'password',
  'password1',
  'password123',
  'admin',
  'admin123',
  'administrator',
  'qwerty',
  'qwerty123',
  '12345678',
  '123456789',
  '1234567890',
  'letmein',
  'welcome',
  'changeme',
  'change-me',
  'iloveyou',
  'tiketi',
  'tiketi123',
]);

/** Why a password is too weak to guard an administrator account in production, or null when it is fine. */
export function adminPasswordWeakness(password: string, email: string): string | null {
  if (password.length < 12) return 'must be at least 12 characters';
  const lower = password.toLowerCase();
  if (COMMON.has(lower) || COMMON.has(lower.replace(/[^a-z0-9]/g, ''))) return 'is a commonly used password';
  if (lower.includes(email.split('@')[0]!.toLowerCase())) return 'must not contain the account name';
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  if (classes < 3) return 'must mix at least three of lower case, upper case, digits and symbols';
  if (new Set(password).size < 6) return 'repeats too few distinct characters';
  return null;
}

/**
 * Refuses a new password an administrator may not have where production asks for strong ones (the
 * rule their first one met at boot), naming the reason; buyers' passwords only need the length the
 * route checks.
 */
export function assertNewPasswordAllowed(
  user: { role: string; email: string },
  password: string,
  strongAdminPasswords: boolean,
): void {
  if (user.role !== 'admin' || !strongAdminPasswords) return;
  const weakness = adminPasswordWeakness(password, user.email);
  if (weakness)
    throw AppError.invalid('WEAK_PASSWORD', `An administrator's password ${weakness}`, {
      path: 'body.newPassword',
      reason: weakness,
    });
}
