import { Type, type Static } from '@sinclair/typebox';
import { baseConfigSchema, mailConfigSchema, mergeConfigSchemas } from '@tiketi/platform';

/** Variables only the auth service reads. */
export const authOwnConfig = Type.Object({
  ACCESS_TOKEN_TTL_SECONDS: Type.Integer({
    default: 900,
    minimum: 60,
    maximum: 3600,
    description: 'lifetime of an access token (JWT); revocation is kept at least this long',
  }),
  REFRESH_TOKEN_TTL_DAYS: Type.Integer({
    default: 14,
    minimum: 1,
    maximum: 90,
    description: 'lifetime of a refresh token; each refresh issues a new one (rotation)',
  }),
  SIGNING_KEY_ROTATION_DAYS: Type.Integer({
    default: 30,
    minimum: 1,
    description: 'age after which a new signing key (RS256) is generated; the previous one stays in the JWKS',
  }),
  ADMIN_EMAIL: Type.Optional(
    Type.String({
      description:
        'administrator ensured at boot (created if absent, promoted if a user); required for the first admin in production',
    }),
  ),
  ADMIN_PASSWORD: Type.Optional(
    Type.String({
      description:
        'password for ADMIN_EMAIL when it is created; production refuses a weak one (min 12 chars, 3 character classes)',
    }),
  ),
  LOGIN_MAX_ATTEMPTS: Type.Integer({
    default: 5,
    minimum: 1,
    description: 'failed logins per account within LOGIN_WINDOW_SECONDS before further attempts get 429',
  }),
  LOGIN_MAX_ATTEMPTS_PER_IP: Type.Integer({
    default: 30,
    minimum: 1,
    description: 'failed logins per client IP within LOGIN_WINDOW_SECONDS before further attempts get 429',
  }),
  LOGIN_WINDOW_SECONDS: Type.Integer({
    default: 900,
    minimum: 1,
    description: 'window of the failed-login counters (and the longest Retry-After)',
  }),
  ARGON2_MEMORY_KIB: Type.Integer({
    default: 19456,
    minimum: 19456,
    description: 'argon2id memory cost in KiB (OWASP minimum 19 MiB)',
  }),
  ARGON2_TIME_COST: Type.Integer({ default: 2, minimum: 2, description: 'argon2id iterations' }),
  PASSWORD_RESET_TTL_MINUTES: Type.Integer({
    default: 30,
    minimum: 5,
    maximum: 1440,
    description: 'how long a mailed password-reset link works (it works once)',
  }),
  PASSWORD_RESET_MAX_PER_ACCOUNT: Type.Integer({
    default: 3,
    minimum: 1,
    description:
      'reset mails one account gets per hour at most; further requests are answered alike but not mailed',
  }),
  PASSWORD_RESET_MAX_PER_IP: Type.Integer({
    default: 10,
    minimum: 1,
    description: 'reset requests per client IP per hour before 429',
  }),
});

export const authConfigSchema = mergeConfigSchemas(baseConfigSchema, mailConfigSchema, authOwnConfig);
export type AuthConfig = Static<typeof baseConfigSchema> &
  Static<typeof mailConfigSchema> &
  Static<typeof authOwnConfig>;
