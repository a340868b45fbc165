import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Clock, EventEnvelope } from '@tiketi/platform';
import { createTestDatabase, startTestService, type TestDatabase, type TestService } from '@tiketi/testing';
import type { AuthConfig } from './auth.config';
import { authService } from './auth.service';

export const TEST_ADMIN = { email: 'root@test.tiketi', password: 'Root-Test-Password-9' };

export interface AuthHarness {
  service: TestService<AuthConfig>;
  database: TestDatabase;
  /** A second auth replica on the same database and coordination. */
  replica(env?: Record<string, string>): Promise<TestService<AuthConfig>>;
  app: FastifyInstance;
  events: EventEnvelope[];
  post(path: string, body: unknown, opts?: { token?: string; ip?: string }): Promise<LightMyRequestResponse>;
  get(path: string, token?: string): Promise<LightMyRequestResponse>;
  patch(path: string, body: unknown, token?: string): Promise<LightMyRequestResponse>;
  delete(path: string, body: unknown, token?: string): Promise<LightMyRequestResponse>;
  register(
    overrides?: Partial<{ email: string; password: string; name: string }>,
  ): Promise<{ user: any; accessToken: string; refreshToken: string; password: string }>;
  login(
    email: string,
    password: string,
    ip?: string,
  ): Promise<{ user: any; accessToken: string; refreshToken: string }>;
  close(): Promise<void>;
}

let counter = 0;

/** The auth service on a throwaway database with a bootstrapped admin, recording what it publishes. */
export async function startAuthHarness(
  env: Record<string, string> = {},
  options: { clock?: Clock } = {},
): Promise<AuthHarness> {
  const database = await createTestDatabase('auth');
  // The ticket service is not started with auth alone: its address is one nothing listens on, so a
  // call to it fails as an outage does, unless a test gives it one.
  const serviceEnv = {
    ADMIN_EMAIL: TEST_ADMIN.email,
    ADMIN_PASSWORD: TEST_ADMIN.password,
    TICKET_URL: 'http://127.0.0.1:9',
    ...env,
  };
  const service = await startTestService(authService, { database, env: serviceEnv, clock: options.clock });
  const replicas: TestService<AuthConfig>[] = [];
  const events: EventEnvelope[] = [];
  const unsubscribe = await service.bus.subscribe({ group: 'test.auth-events', types: '*' }, async (e) => {
    events.push(e);
  });
  const { app } = service;
  const post: AuthHarness['post'] = (path, body, opts = {}) =>
    app.inject({
      method: 'POST',
      url: path,
      payload: body as object,
      headers: {
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...(opts.ip ? { 'x-forwarded-for': opts.ip } : {}),
      },
    });
  const get: AuthHarness['get'] = (path, token) =>
    app.inject({ method: 'GET', url: path, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const send = (method: 'PATCH' | 'DELETE') => (path: string, body: unknown, token?: string) =>
    app.inject({
      method,
      url: path,
      payload: body as object,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
  return {
    service,
    database,
    async replica(extra = {}) {
      const replica = await startTestService(authService, {
        database,
        env: { ...serviceEnv, ...extra },
        coordination: service.coordination,
        bus: service.bus,
      });
      replicas.push(replica);
      return replica;
    },
    app,
    events,
    post,
    get,
    patch: send('PATCH'),
    delete: send('DELETE'),
    async register(overrides = {}) {
      const password = overrides.password ?? 'buyer-password-1';
      const email = overrides.email ?? `buyer${++counter}-${Date.now()}@test.tiketi`;
      const res = await post('/api/auth/register', { email, password, name: overrides.name ?? 'Test Buyer' });
      if (res.statusCode !== 201) throw new Error(`register failed: ${res.statusCode} ${res.body}`);
      return { ...res.json(), password };
    },
    async login(email, password, ip) {
      const res = await post('/api/auth/login', { email, password }, { ip });
      if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
      return res.json();
    },
    async close() {
      await unsubscribe();
      for (const replica of replicas) await replica.close();
      await service.close();
      await database.drop();
    },
  };
}
