import type { FastifyInstance } from 'fastify';
import {
  buildServiceApp,
  closeServiceContext,
  createLogger,
  createServiceContext,
  loadConfig,
  type BaseConfig,
  type Clock,
  type Coordination,
  type EventBus,
  type ServiceContext,
  type ServiceDefinition,
  type TokenVerifier,
} from '@tiketi/platform';
import { createTestDatabase, type TestDatabase } from './database';
import { createTestBus, createTestCoordination } from './parts';
import { createTestIssuer, type TestIssuer } from './keys';

export interface TestServiceOptions {
  /** Extra environment for loadConfig (on top of the test database and NODE_ENV=test). */
  env?: Record<string, string>;
  /** Share a database between several services of one test (as the all-in-one process does). */
  database?: TestDatabase;
  coordination?: Coordination;
  bus?: EventBus;
  issuer?: TestIssuer;
  tokens?: TokenVerifier;
  clock?: Clock;
  /** Start the outbox relay's timer; tests that drive it by hand pass false. */
  relay?: boolean;
  seed?: boolean;
  /** Run the definition's start() (consumers, sweepers). Default true. */
  start?: boolean;
  /** Listen on an ephemeral port (for tests that need a real socket). */
  listen?: boolean;
}

export interface TestService<C extends BaseConfig = BaseConfig> {
  app: FastifyInstance;
  ctx: ServiceContext<C>;
  issuer: TestIssuer;
  coordination: Coordination;
  bus: EventBus;
  /** http://127.0.0.1:<port> when listening. */
  url: string | null;
  close(): Promise<void>;
}

/** One service, built with the same plugin production uses, on a throwaway database. */
export async function startTestService<C extends BaseConfig>(
  definition: ServiceDefinition<C>,
  options: TestServiceOptions = {},
): Promise<TestService<C>> {
  const ownDatabase = options.database ? null : await createTestDatabase(definition.name);
  const database = options.database ?? ownDatabase!;
  const config = loadConfig(definition.configSchema, {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TIKETI_TEST_LOG_LEVEL ?? 'silent',
    LOG_FORMAT: 'json',
    HOST: '127.0.0.1',
    ...database.env,
    ...options.env,
  }) as C;
  const coordination = options.coordination ?? (await createTestCoordination());
  const bus = options.bus ?? (await createTestBus());
  const issuer = options.issuer ?? (await createTestIssuer());
  const ctx = await createServiceContext(definition, config, {
    coordination,
    bus,
    log: createLogger(config, 'test'),
    tokens: options.tokens ?? issuer.verifier(coordination),
    clock: options.clock,
    relay: options.relay,
  });
  const app = await buildServiceApp(definition, ctx);
  if (options.seed && definition.seed) await definition.seed(ctx);
  let url: string | null = null;
  if (options.listen) {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    if (address && typeof address === 'object') url = `http://127.0.0.1:${address.port}`;
  } else {
    await app.ready();
  }
  if (options.start !== false) await definition.start?.(ctx, app);
  return {
    app,
    ctx,
    issuer,
    coordination,
    bus,
    url,
    async close() {
      await app.close();
      await closeServiceContext(ctx);
      if (!options.coordination) await coordination.close();
      if (!options.bus) await bus.close();
      await ownDatabase?.drop();
    },
  };
}

/** Waits until `check` passes (events are asynchronous); fails with the last error after the timeout. */
export async function eventually<T>(
  check: () => Promise<T> | T,
  timeoutMs = 5_000,
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw lastError;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
