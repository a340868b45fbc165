import { Gauge } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { assertProductionSafe, ConfigError, loadConfig, type BaseConfig } from '../config/config';
import { createLogger } from '../logging/logger';
import { createDatabase, databaseOptionsFromConfig } from '../db/database';
import { migrateSchema } from '../db/migrations';
import { createCoordination } from '../coordination';
import type { Coordination } from '../coordination/coordination';
import { createBus } from '../bus';
import type { EventBus } from '../bus/bus';
import { startOutboxRelay } from '../bus/outbox';
import { startOutboxPruner } from '../bus/outbox.prune';
import { createMetricsRegistry } from '../metrics/metrics';
import { createTokenVerifier, type TokenVerifier } from '../auth/tokens';
import { buildServiceApp } from './app';
import { systemClock, type Clock, type ServiceContext, type ServiceDefinition } from './service';

export interface SharedParts {
  coordination?: Coordination;
  bus?: EventBus;
  log?: Logger;
  tokens?: TokenVerifier;
  clock?: Clock;
  /** Start the outbox relay (tests may drive it by hand). Default true. */
  relay?: boolean;
}

/** Opens what a service needs (database + migrations, coordination, bus) and wires its context. */
export async function createServiceContext<C extends BaseConfig>(
  definition: ServiceDefinition<C>,
  config: C,
  shared: SharedParts = {},
): Promise<ServiceContext<C>> {
  const log = (shared.log ?? createLogger(config, 'tiketi')).child({ service: definition.name });
  const closers: Array<() => Promise<void> | void> = [];
  const onClose = (fn: () => Promise<void> | void) => closers.push(fn);

  const coordination =
    shared.coordination ??
    (await createCoordination({ redisUrl: config.REDIS_URL, keyPrefix: config.REDIS_KEY_PREFIX }));
  if (!shared.coordination) onClose(() => coordination.close());
  const bus =
    shared.bus ??
    (await createBus({ redisUrl: config.REDIS_URL, log, stream: `${config.REDIS_KEY_PREFIX}tiketi:events` }));
  if (!shared.bus) onClose(() => bus.close());

  let database = null;
  const schema = definition.schema ?? 'public';
  if (definition.schema) {
    database = await createDatabase(
      databaseOptionsFromConfig(config, definition.schema, `tiketi-${definition.name}`),
    );
    const db = database;
    onClose(() => db.close());
    const applied = await migrateSchema(database.db, definition.schema, definition.migrations ?? {});
    if (applied.length > 0) log.info({ applied }, 'migrations applied');
  }

  const tokens =
    shared.tokens ?? createTokenVerifier({ jwks: `${config.AUTH_URL}/.well-known/jwks.json`, coordination });

  const ctx: ServiceContext<C> = {
    name: definition.name,
    config,
    log,
    database,
    db: database ? database.db.withSchema(schema) : (null as never),
    schema,
    coordination,
    bus,
    metrics: createMetricsRegistry(definition.name),
    tokens,
    clock: shared.clock ?? systemClock,
    relay: null,
    onClose,
  };
  const pool = database?.pool;
  if (pool) {
    // Requests waiting for a connection are the first sign a service needs more of them, or less work.
    new Gauge({
      name: 'db_pool_connections',
      help: 'PostgreSQL pool connections by state (open, idle, max) and queries waiting for one (waiting)',
      labelNames: ['state'],
      registers: [ctx.metrics],
      collect() {
        const stats = pool();
        for (const state of ['open', 'idle', 'waiting', 'max'] as const) this.set({ state }, stats[state]);
      },
    });
  }
  if (database && shared.relay !== false) {
    const relay = startOutboxRelay({ db: database.db, schema, bus, log });
    ctx.relay = relay;
    // Stop the relay before the database closes (closers run in reverse).
    onClose(() => relay.stop());
    if (config.OUTBOX_RETENTION_HOURS > 0) {
      // Without it the outbox and the consumed-event records grow with every event, forever.
      const pruner = startOutboxPruner({
        db: database.db,
        schema,
        log,
        retentionMs: config.OUTBOX_RETENTION_HOURS * 3_600_000,
      });
      onClose(() => pruner.stop());
    }
  }
  (ctx as ServiceContext<C> & { close: () => Promise<void> }).close = async () => {
    for (const fn of closers.reverse()) {
      try {
        await fn();
      } catch (err) {
        log.warn({ err }, 'cleanup failed');
      }
    }
  };
  return ctx;
}

export async function closeServiceContext(ctx: ServiceContext<any>): Promise<void> {
  await (ctx as ServiceContext & { close?: () => Promise<void> }).close?.();
}

export interface RunningService {
  app: FastifyInstance;
  ctx: ServiceContext<any>;
  port: number;
  stop(): Promise<void>;
}

/** Builds, seeds (when asked), listens and starts background work. */
export async function startService<C extends BaseConfig>(
  definition: ServiceDefinition<C>,
  config: C,
  shared: SharedParts = {},
  options: { port?: number; seed?: boolean } = {},
): Promise<RunningService> {
  const ctx = await createServiceContext(definition, config, shared);
  const app = await buildServiceApp(definition, ctx);
  if (options.seed && definition.seed) await definition.seed(ctx);
  const port = options.port ?? (config[definition.portKey] as number);
  await app.listen({ port, host: config.HOST });
  await definition.start?.(ctx, app);
  return {
    app,
    ctx,
    port,
    async stop() {
      await app.close();
      await closeServiceContext(ctx);
    },
  };
}

/** Loads config or exits with one clear line. */
export function loadConfigOrExit<C>(
  schema: Parameters<typeof loadConfig>[0],
  env: Record<string, string | undefined>,
): C {
  try {
    const config = loadConfig(schema, env) as C;
    assertProductionSafe(config as BaseConfig);
    return config;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
}

/** SIGTERM/SIGINT: stop accepting, drain in-flight requests, close pools; force-exit after the timeout. */
export function installGracefulShutdown(stop: () => Promise<void>, log: Logger, timeoutMs: number): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown timed out; exiting');
      process.exit(1);
    }, timeoutMs);
    force.unref();
    stop().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => handler('SIGTERM'));
  process.on('SIGINT', () => handler('SIGINT'));
}

/** The whole of a service's server.ts: `runStandalone(definition)`. */
export async function runStandalone<C extends BaseConfig>(
  definition: ServiceDefinition<C>,
  env = process.env,
): Promise<RunningService> {
  const config = loadConfigOrExit<C>(definition.configSchema, env);
  const log = createLogger(config, 'tiketi');
  const seed = (config.DEMO_DATA ?? config.NODE_ENV !== 'production') && config.NODE_ENV !== 'test';
  const running = await startService(definition, config, { log }, { seed });
  log.info({ service: definition.name, port: running.port }, `${definition.name} listening`);
  installGracefulShutdown(() => running.stop(), log, config.SHUTDOWN_TIMEOUT_MS);
  return running;
}
