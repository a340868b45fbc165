import type { TObject } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { BaseConfig } from '../config/config';
import type { Coordination } from '../coordination/coordination';
import type { EventBus } from '../bus/bus';
import type { OutboxRelay } from '../bus/outbox';
import type { Database } from '../db/database';
import type { MigrationSet } from '../db/migrations';
import type { TokenVerifier } from '../auth/tokens';
import type { BuildAppOptions } from './app';

export type ServiceName = 'gateway' | 'auth' | 'ticket' | 'payment' | 'stats';

export type PortKey = 'GATEWAY_PORT' | 'TICKET_PORT' | 'PAYMENT_PORT' | 'STATS_PORT' | 'AUTH_PORT';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** What a service's code gets: everything from outside arrives here, typed, once. */
export interface ServiceContext<C extends BaseConfig = BaseConfig> {
  name: ServiceName;
  config: C;
  log: Logger;
  /** Null for the gateway, which owns no schema. */
  database: Database | null;
  /** Kysely bound to the service's schema (`db.withSchema(schema)`): unqualified tables are ours. */
  db: Kysely<any>;
  schema: string;
  coordination: Coordination;
  bus: EventBus;
  metrics: Registry;
  tokens: TokenVerifier;
  clock: Clock;
  /** Present for services with an outbox; poke it after a commit that wrote events. */
  relay: OutboxRelay | null;
  /** Registers cleanup run on shutdown, in reverse order. */
  onClose(fn: () => Promise<void> | void): void;
}

export interface ServiceDefinition<C extends BaseConfig = BaseConfig> {
  name: ServiceName;
  portKey: PortKey;
  /** PostgreSQL schema the service owns; omitted for the gateway. */
  schema?: string;
  /** Full config schema (base plus the service's own variables). */
  configSchema: TObject;
  migrations?: MigrationSet;
  openapi: { title: string; description: string };
  /** Shell options (the gateway raises the body limit itself and verifies tokens its own way). */
  app?: BuildAppOptions;
  /** Registers routes on the service's Fastify instance. */
  routes(app: FastifyInstance, ctx: ServiceContext<C>): Promise<void>;
  /** Starts background work (consumers, sweepers, schedulers) after routes are ready. */
  start?(ctx: ServiceContext<C>, app: FastifyInstance): Promise<void>;
  /** Seeds demo data in embedded/dev mode; must be idempotent. */
  seed?(ctx: ServiceContext<C>): Promise<void>;
}

export function defineService<C extends BaseConfig>(definition: ServiceDefinition<C>): ServiceDefinition<C> {
  return definition;
}
