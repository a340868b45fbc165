import type { Logger } from 'pino';
import { Type } from '@sinclair/typebox';
import {
  createBus,
  createCoordination,
  createLogger,
  demoDataEnabled,
  freePort,
  loadConfig,
  assertProductionSafe,
  mergeConfigSchemas,
  startService,
  type BaseConfig,
  type Coordination,
  type EventBus,
  type RunningService,
  type ServiceDefinition,
  type ServiceName,
  type TokenVerifier,
} from '@tiketi/platform';
import { authConfigSchema, authService } from '@tiketi/auth';
import { createTicketService, ticketConfigSchema } from '@tiketi/ticket';
import { paymentConfigSchema, paymentService } from '@tiketi/payment';
import { statsConfigSchema, statsService } from '@tiketi/stats';
import { gatewayConfigSchema, gatewayService } from '@tiketi/gateway';
import { startWebServer, type WebServer } from './web-server';

/** Start order: auth first (its JWKS verifies every token), the gateway last (it fronts the rest). */
export const SERVICE_ORDER: ServiceName[] = ['auth', 'ticket', 'payment', 'stats', 'gateway'];

export const allInOneOwnConfig = Type.Object({
  SERVICES: Type.String({
    default: 'auth,ticket,payment,stats,gateway,web',
    description:
      'which parts this process runs (comma-separated: auth, ticket, payment, stats, gateway, web)',
  }),
  WEB_DIST_DIR: Type.String({ default: 'apps/web/dist', description: 'built web app served on WEB_PORT' }),
});

export const platformConfigSchema = mergeConfigSchemas(
  authConfigSchema,
  ticketConfigSchema,
  paymentConfigSchema,
  statsConfigSchema,
  gatewayConfigSchema,
  allInOneOwnConfig,
);
export type PlatformConfig = BaseConfig & { SERVICES: string; WEB_DIST_DIR: string };

function definitionFor(name: ServiceName): ServiceDefinition<any> {
  switch (name) {
    case 'auth':
      return authService;
    case 'ticket':
      return createTicketService();
    case 'payment':
      return paymentService;
    case 'stats':
      return statsService;
    case 'gateway':
      return gatewayService;
  }
}

export interface PlatformOptions {
  env: Record<string, string | undefined>;
  /** Pick free ports instead of the configured ones (tests run beside a developer's `npm start`). */
  ephemeralPorts?: boolean;
  /**
   * With ephemeralPorts: keep PUBLIC_API_URL and PUBLIC_WEB_URL as configured. The first start's
   * preparation runs on free ports but seeds what the real start serves (posters' addresses).
   */
  keepPublicUrls?: boolean;
  log?: Logger;
  coordination?: Coordination;
  bus?: EventBus;
  /** Verifier for every service (tests); default: each service fetches the auth service's JWKS. */
  tokens?: TokenVerifier;
}

export interface RunningPlatform {
  config: PlatformConfig;
  services: Partial<Record<ServiceName, RunningService>>;
  web: WebServer | null;
  /** Base URLs by part: auth, ticket, payment, stats, gateway, web. */
  urls: Record<string, string>;
  coordination: Coordination;
  bus: EventBus;
  stop(): Promise<void>;
}

/** Starts the chosen parts in this process, each on its own port, sharing coordination and the bus. */
export async function startPlatform(options: PlatformOptions): Promise<RunningPlatform> {
  const env = { ...options.env };
  if (options.ephemeralPorts) {
    for (const part of ['AUTH', 'TICKET', 'PAYMENT', 'STATS', 'GATEWAY', 'WEB']) {
      const port = await freePort();
      env[`${part}_PORT`] = String(port);
      if (part !== 'GATEWAY' && part !== 'WEB') env[`${part}_URL`] = `http://127.0.0.1:${port}`;
    }
    if (!options.keepPublicUrls) {
      env.PUBLIC_API_URL = `http://127.0.0.1:${env.GATEWAY_PORT}`;
      env.PUBLIC_WEB_URL = `http://127.0.0.1:${env.WEB_PORT}`;
    }
  }
  const config = loadConfig(platformConfigSchema, env) as PlatformConfig;
  assertProductionSafe(config);
  const log = options.log ?? createLogger(config, 'tiketi');
  const wanted = new Set(
    config.SERVICES.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  for (const name of wanted) {
    if (!['auth', 'ticket', 'payment', 'stats', 'gateway', 'web'].includes(name)) {
      throw new Error(`Invalid configuration: SERVICES names an unknown part "${name}"`);
    }
  }

  const coordination =
    options.coordination ??
    (await createCoordination({ redisUrl: config.REDIS_URL, keyPrefix: config.REDIS_KEY_PREFIX }));
  const bus =
    options.bus ??
    (await createBus({ redisUrl: config.REDIS_URL, log, stream: `${config.REDIS_KEY_PREFIX}tiketi:events` }));
  const seed = demoDataEnabled(config) && config.NODE_ENV !== 'test';
  const services: Partial<Record<ServiceName, RunningService>> = {};
  const urls: Record<string, string> = {};
  const started: RunningService[] = [];

  const stopAll = async () => {
    for (const running of [...started].reverse())
      await running.stop().catch((err) => log.warn({ err }, 'stop failed'));
    if (!options.coordination) await coordination.close().catch(() => undefined);
    if (!options.bus) await bus.close().catch(() => undefined);
  };

  let web: WebServer | null = null;
  try {
    for (const name of SERVICE_ORDER) {
      if (!wanted.has(name)) continue;
      const definition = definitionFor(name);
      const running = await startService(
        definition,
        config,
        { coordination, bus, log, tokens: options.tokens },
        { seed },
      );
      services[name] = running;
      started.push(running);
      urls[name] = `http://127.0.0.1:${running.port}`;
      log.info({ service: name, port: running.port }, `${name} listening on :${running.port}`);
    }
    if (wanted.has('web')) {
      web = await startWebServer({ config, log });
      urls.web = `http://127.0.0.1:${web.port}`;
    }
  } catch (err) {
    await web?.close();
    await stopAll();
    throw err;
  }

  return {
    config,
    services,
    web,
    urls,
    coordination,
    bus,
    async stop() {
      await web?.close();
      await stopAll();
    },
  };
}
