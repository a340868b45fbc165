import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** Variables every process understands. Service-specific ones live beside each service. */
export const baseConfigSchema = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], {
    default: 'development',
    description: 'production disables demo data and default accounts and requires real secrets',
  }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info', description: 'pino log level' },
  ),
  LOG_FORMAT: Type.Union([Type.Literal('auto'), Type.Literal('json'), Type.Literal('pretty')], {
    default: 'auto',
    description: 'auto = pretty in a terminal outside production, JSON otherwise',
  }),
  HOST: Type.String({ default: '0.0.0.0', description: 'interface every HTTP server binds' }),
  DATABASE_URL: Type.Optional(
    Type.String({
      description: 'PostgreSQL URL; when unset an embedded PGlite database under PGLITE_DIR is used',
    }),
  ),
  DATABASE_POOL_MAX: Type.Integer({
    default: 10,
    minimum: 1,
    maximum: 200,
    description: 'pg pool size per service',
  }),
  PGLITE_DIR: Type.String({ default: '.data/pglite', description: 'where embedded PGlite keeps its data' }),
  REDIS_URL: Type.Optional(
    Type.String({
      description: 'Redis/Dragonfly URL; when unset coordination and the event bus run in-process',
    }),
  ),
  REDIS_KEY_PREFIX: Type.String({
    default: '',
    description:
      'prefix for every Redis key and the event stream (several deployments or test runs on one Redis)',
  }),
  DATA_DIR: Type.String({ default: '.data', description: 'root for embedded files (keys, posters)' }),
  INTERNAL_TOKEN: Type.String({
    default: 'dev-internal-token-change-me',
    minLength: 16,
    description: 'shared secret for service-to-service HTTP calls (x-internal-token)',
  }),
  AUTH_URL: Type.String({ default: 'http://127.0.0.1:3005', description: 'auth service base URL' }),
  TICKET_URL: Type.String({ default: 'http://127.0.0.1:3002', description: 'ticket service base URL' }),
  PAYMENT_URL: Type.String({ default: 'http://127.0.0.1:3003', description: 'payment service base URL' }),
  STATS_URL: Type.String({ default: 'http://127.0.0.1:3004', description: 'stats service base URL' }),
  PUBLIC_WEB_URL: Type.String({
    default: 'http://localhost:3000',
    description: 'where buyers open the web app',
  }),
  PUBLIC_API_URL: Type.String({ default: 'http://localhost:3001', description: 'public gateway URL' }),
  WEB_PORT: Type.Integer({ default: 3000, description: 'web app port' }),
  GATEWAY_PORT: Type.Integer({ default: 3001, description: 'gateway port' }),
  TICKET_PORT: Type.Integer({ default: 3002, description: 'ticket service port' }),
  PAYMENT_PORT: Type.Integer({ default: 3003, description: 'payment service port' }),
  STATS_PORT: Type.Integer({ default: 3004, description: 'stats service port' }),
  AUTH_PORT: Type.Integer({ default: 3005, description: 'auth service port' }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ default: 10000, minimum: 0, description: 'drain time on SIGTERM' }),
  OUTBOX_RETENTION_HOURS: Type.Integer({
    default: 168,
    minimum: 0,
    description:
      'published outbox rows and records of consumed events older than this are deleted (hourly, by each service); 0 keeps them forever',
  }),
  DEMO_DATA: Type.Optional(
    Type.Boolean({ description: 'seed demo events and accounts; defaults to true outside production' }),
  ),
});

export type BaseConfig = Static<typeof baseConfigSchema>;

export class ConfigError extends Error {}

/** Merges config fragments into one object schema (later fragments add variables). */
export function mergeConfigSchemas<T extends TProperties[]>(
  ...parts: { [K in keyof T]: TObject<T[K]> }
): TObject {
  const properties: TProperties = {};
  for (const part of parts) Object.assign(properties, part.properties);
  return Type.Object(properties);
}

/**
 * Reads the environment once, applies defaults, converts strings, and fails with one line naming
 * the first bad variable. Unknown variables are ignored: the environment holds far more than ours.
 */
export function loadConfig<S extends TObject>(schema: S, env: Record<string, string | undefined>): Static<S> {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const withDefaults = Value.Default(schema, Value.Convert(schema, raw)) as Record<string, unknown>;
  const firstError = Value.Errors(schema, withDefaults).First();
  if (firstError) {
    const variable = firstError.path.replace(/^\//, '').split('/')[0] || '(config)';
    const given = raw[variable];
    throw new ConfigError(
      `Invalid configuration: ${variable} ${firstError.message.toLowerCase()}${given === undefined ? ' (not set)' : ` (got ${JSON.stringify(given)})`}`,
    );
  }
  return withDefaults as Static<S>;
}

export function isProduction(config: Pick<BaseConfig, 'NODE_ENV'>): boolean {
  return config.NODE_ENV === 'production';
}

export function demoDataEnabled(config: Pick<BaseConfig, 'NODE_ENV' | 'DEMO_DATA'>): boolean {
  return config.DEMO_DATA ?? !isProduction(config);
}

/** Production refuses the development defaults that would be a hole if shipped. */
export function assertProductionSafe(config: BaseConfig): void {
  if (!isProduction(config)) return;
  if (config.INTERNAL_TOKEN === 'dev-internal-token-change-me') {
    throw new ConfigError('Invalid configuration: INTERNAL_TOKEN must be set to a secret in production');
  }
}
