import { rm } from 'node:fs/promises';
import {
  createTestDatabase,
  type TestDatabase,
  testEnv,
  testRedisPrefix,
  uniqueSuffix,
} from '@tiketi/testing';
import { startPlatform, type RunningPlatform } from '@tiketi/all-in-one';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface ApiOptions {
  body?: unknown;
  token?: string;
  headers?: Record<string, string>;
}

export interface Session {
  user: { id: string; email: string; name: string; role: 'user' | 'admin' };
  accessToken: string;
  refreshToken: string;
  password: string;
}

export interface TestPlatform {
  platform: RunningPlatform;
  /** Gateway base URL: the public API. */
  url: string;
  /** The platform's DATA_DIR (uploaded files; mail as .eml files under mail/). */
  dataDir: string;
  api<T = any>(method: string, path: string, options?: ApiOptions): Promise<ApiResponse<T>>;
  /** Registers a fresh buyer through the gateway. */
  register(overrides?: Partial<{ email: string; name: string; password: string }>): Promise<Session>;
  /** Logs in as the admin bootstrapped from ADMIN_EMAIL/ADMIN_PASSWORD. */
  admin(): Promise<Session>;
  close(): Promise<void>;
}

export const TEST_ADMIN = { email: 'admin@test.tiketi', password: 'Admin-Test-Password-1' };

/**
 * The whole platform in this process on free ports, as `npm start` runs it, on a throwaway
 * database (a PostgreSQL database or an in-memory PGlite) and real Redis when the run has it.
 */
export async function startTestPlatform(
  options: { env?: Record<string, string>; services?: string } = {},
): Promise<TestPlatform> {
  const database: TestDatabase = await createTestDatabase('platform');
  const dataDir = `.data/test-${uniqueSuffix()}`;
  const env: Record<string, string | undefined> = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TIKETI_TEST_LOG_LEVEL ?? 'silent',
    LOG_FORMAT: 'json',
    HOST: '127.0.0.1',
    SERVICES: options.services ?? 'auth,ticket,payment,stats,gateway',
    ADMIN_EMAIL: TEST_ADMIN.email,
    ADMIN_PASSWORD: TEST_ADMIN.password,
    DATA_DIR: dataDir,
    ...(testEnv.redisUrl ? { REDIS_URL: testEnv.redisUrl, REDIS_KEY_PREFIX: testRedisPrefix() } : {}),
    // A test drives the API faster than any person: one admin's 31st request within a second was
    // refused by the per-user burst limit, depending on the machine's speed. The burst limits
    // have tests of their own (burst.limit.test.ts, test/chaos/abuse.test.ts); a test may set them.
    RATE_LIMIT_IP_PER_SECOND: '1000000',
    RATE_LIMIT_USER_PER_SECOND: '1000000',
    ...database.env,
    ...options.env,
  };
  const platform = await startPlatform({ env, ephemeralPorts: true });
  const url = platform.urls.gateway!;

  const api = async <T>(method: string, path: string, opts: ApiOptions = {}): Promise<ApiResponse<T>> => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    const res = await fetch(`${url}${path}`, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      redirect: 'manual',
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON (CSV, HTML): keep the text.
    }
    return { status: res.status, headers: res.headers, body: body as T };
  };

  const login = async (email: string, password: string): Promise<Session> => {
    const res = await api('POST', '/api/auth/login', { body: { email, password } });
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
    return { ...(res.body as object), password } as Session;
  };

  return {
    platform,
    url,
    dataDir,
    api,
    async register(overrides = {}) {
      const password = overrides.password ?? 'buyer-password-1';
      const email = overrides.email ?? `buyer-${uniqueSuffix()}@test.tiketi`;
      const res = await api('POST', '/api/auth/register', {
        body: { email, password, name: overrides.name ?? 'Test Buyer' },
      });
      if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
      return { ...(res.body as object), password } as Session;
    },
    admin: () => login(TEST_ADMIN.email, TEST_ADMIN.password),
    async close() {
      await platform.stop();
      await database.drop();
      // Posters the test uploaded: a developer's .data should not fill up with every run's.
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
