import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importJWK, SignJWT, type JWK } from 'jose';
import { io as connectSocket } from 'socket.io-client';
import { startService, TOKEN_AUDIENCE, TOKEN_ISSUER, type RunningService } from '@tiketi/platform';
import { createTestIssuer, eventually } from '@tiketi/testing';
import { gatewayService, type GatewayConfig } from '@tiketi/gateway';
import { startTestPlatform, type TestPlatform } from '../support/platform';

const ALLOWED_ORIGIN = 'https://app.tiketi.test';
const IP_LIMIT = 20;
const USER_LIMIT = 10;

/** Each test speaks from its own address (the platform trusts one proxy hop), so limits do not mix. */
let nextAddress = 10;
const fromNewAddress = () => ({ 'x-forwarded-for': `198.51.100.${nextAddress++}` });

describe('the gateway at the edge of the running platform', () => {
  let p: TestPlatform;
  let second: RunningService;
  let secondUrl: string;

  beforeAll(async () => {
    // Payment and stats stay down: the docs and the dashboard must cope with that.
    p = await startTestPlatform({
      services: 'auth,ticket,gateway',
      env: {
        RATE_LIMIT_IP_PER_MINUTE: String(IP_LIMIT),
        RATE_LIMIT_USER_PER_MINUTE: String(USER_LIMIT),
        GATEWAY_TRUST_PROXY_HOPS: '1',
        CORS_ORIGINS: `${ALLOWED_ORIGIN},http://localhost:3000`,
      },
    });
    // A second gateway process beside the first: same configuration, another port, shared Redis/coordination.
    second = await startService(
      gatewayService,
      p.platform.config as unknown as GatewayConfig,
      { coordination: p.platform.coordination, bus: p.platform.bus },
      { port: 0 },
    );
    const address = second.app.server.address();
    secondUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterAll(async () => {
    await second?.stop();
    await p?.close();
  });

  async function authMeCount(): Promise<number> {
    const text = await (await fetch(`${p.platform.urls.auth}/metrics`)).text();
    return text
      .split('\n')
      .filter(
        (line) =>
          line.startsWith('http_request_duration_seconds_count') && line.includes('route="/api/auth/me"'),
      )
      .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
  }

  /** An access token signed with the auth service's own current key, with whatever claims we like. */
  async function signWithAuthKey(claims: Record<string, unknown>, exp: number): Promise<string> {
    const row = await p.platform.services
      .auth!.ctx.db.selectFrom('signing_keys')
      .selectAll()
      .orderBy('kid', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    const jwk = (typeof row.private_jwk === 'string' ? JSON.parse(row.private_jwk) : row.private_jwk) as JWK;
    const key = await importJWK(jwk, row.alg as string);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: row.alg as string, kid: row.kid as string })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt(exp - 900)
      .setExpirationTime(exp)
      .sign(key);
  }

  it('rejects garbage, foreign-key, tampered, alg:none and expired tokens with 401 before auth sees them', async () => {
    const buyer = await p.register();
    const headers = fromNewAddress();
    const ok = await p.api('GET', '/api/auth/me', { token: buyer.accessToken, headers });
    expect(ok.status).toBe(200);

    const [h, payload] = buyer.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url')}.${buyer.accessToken.split('.')[2]}`;
    const algNone = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    const foreign = await (await createTestIssuer()).mint({ id: buyer.user.id, role: 'admin' });
    const expired = await signWithAuthKey(
      { ...claims, exp: undefined, iat: undefined },
      Math.floor(Date.now() / 1000) - 120,
    );

    // Durations are recorded once a response is finished: wait until the successful call is counted.
    const before = await eventually(async () => {
      const count = await authMeCount();
      expect(count).toBeGreaterThan(0);
      return count;
    });
    const cases: Array<[string, string]> = [
      ['garbage', 'INVALID_TOKEN'],
      [foreign, 'INVALID_TOKEN'],
      [tampered, 'INVALID_TOKEN'],
      [algNone, 'INVALID_TOKEN'],
      [expired, 'TOKEN_EXPIRED'],
    ];
    for (const [token, code] of cases) {
      const res = await p.api('GET', '/api/auth/me', { token, headers });
      expect(res.status).toBe(401);
      expect(res.body.error).toMatchObject({ code, requestId: res.headers.get('x-request-id') });
    }
    // The tampered "admin" token does not open admin routes either.
    expect((await p.api('GET', '/api/admin/users', { token: tampered, headers })).status).toBe(401);
    // None of them reached the auth service.
    expect(await authMeCount()).toBe(before);
  });

  it('keeps every /api/admin route for administrators: 401 anonymous, 403 for a buyer', async () => {
    const buyer = await p.register();
    const headers = fromNewAddress();
    for (const path of [
      '/api/admin/dashboard',
      '/api/admin/users',
      '/api/admin/events',
      '/api/admin/reservations.csv',
      '/api/admin/audit',
      '/api/admin/payments',
    ]) {
      const anonymous = await p.api('GET', path, { headers });
      expect(anonymous.status, path).toBe(401);
      const forbidden = await p.api('GET', path, { token: buyer.accessToken, headers });
      expect(forbidden.status, path).toBe(403);
      expect(forbidden.body.error.code, path).toBe('ADMIN_ONLY');
    }
  });

  it('serves the admin dashboard with live figures, marking stats as degraded while it is down', async () => {
    const admin = await p.admin();
    const res = await p.api('GET', '/api/admin/dashboard', {
      token: admin.accessToken,
      headers: fromNewAddress(),
    });
    expect(res.status).toBe(200);
    expect(res.body.degraded).toEqual(['stats']);
    expect(res.body.live).toMatchObject({
      seatsHeld: expect.any(Number),
      salesPerMinute: expect.any(Number),
      queues: expect.any(Array),
    });
  });

  it('answers 503 in the JSON error shape for a service that is down, without hanging', async () => {
    const res = await p.api('GET', '/api/payments/methods', { headers: fromNewAddress() });
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', requestId: expect.any(String) });
  });

  it('limits requests per address with 429, Retry-After and the JSON error, shared by both gateways', async () => {
    const headers = fromNewAddress();
    for (let i = 0; i < IP_LIMIT; i++) {
      const res = await fetch(`${i % 2 === 0 ? p.url : secondUrl}/api/events`, { headers });
      expect(res.status, `request ${i + 1}`).toBe(200);
    }
    // Each gateway counts an address well under its limit by itself and shares the count every
    // 50 ms (WindowLimiter, ADR 0006): once a share has passed, both know the address is done.
    // A busy machine may delay a share, so each gateway is asked up to five times, 150 ms apart:
    // with its own count at ten, five more would not reach the limit without the other's.
    for (const base of [p.url, secondUrl]) {
      let limited!: Response;
      for (let attempt = 0; attempt < 5; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 150));
        limited = await fetch(`${base}/api/events`, { headers });
        if (limited.status === 429) break;
        await limited.arrayBuffer();
      }
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      const body = (await limited.json()) as { error: { code: string; requestId: string } };
      expect(body.error.code).toBe('RATE_LIMITED');
      expect(body.error.requestId).toBeTruthy();
    }
    // The address's limit answers first: a bad token from it is not even looked at.
    const garbage = await fetch(`${p.url}/api/events`, {
      headers: { ...headers, authorization: 'Bearer garbage' },
    });
    expect(garbage.status).toBe(429);
    expect(((await garbage.json()) as { error: { details: { scope: string } } }).error.details.scope).toBe(
      'ip',
    );
    // Another address is not affected.
    expect((await fetch(`${secondUrl}/api/events`, { headers: fromNewAddress() })).status).toBe(200);
  });

  it('limits requests per signed-in user whatever address they come from', async () => {
    const buyer = await p.register();
    for (let i = 0; i < USER_LIMIT; i++) {
      expect(
        (await p.api('GET', '/api/auth/me', { token: buyer.accessToken, headers: fromNewAddress() })).status,
      ).toBe(200);
    }
    const limited = await p.api('GET', '/api/auth/me', {
      token: buyer.accessToken,
      headers: fromNewAddress(),
    });
    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatchObject({ code: 'RATE_LIMITED', details: { scope: 'user' } });
  });

  it('allows CORS for configured origins only', async () => {
    const headers = fromNewAddress();
    const allowed = await fetch(`${p.url}/api/events`, { headers: { ...headers, origin: ALLOWED_ORIGIN } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    const denied = await fetch(`${p.url}/api/events`, {
      headers: { ...headers, origin: 'https://evil.example' },
    });
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();

    const preflight = (origin: string) =>
      fetch(`${p.url}/api/reservations`, {
        method: 'OPTIONS',
        headers: {
          ...headers,
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
    const ok = await preflight(ALLOWED_ORIGIN);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('sets security headers on what it forwards', async () => {
    const res = await fetch(`${p.url}/api/events`, { headers: fromNewAddress() });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('strict-transport-security')).toContain('max-age');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('shows the whole public API in one document, even with services down, and the Swagger UI', async () => {
    const res = await fetch(`${p.url}/api-docs/json`);
    expect(res.status).toBe(200);
    const document = (await res.json()) as {
      paths: Record<string, unknown>;
      'x-unavailable-services'?: string[];
    };
    const paths = Object.keys(document.paths);
    expect(paths).toContain('/api/auth/login');
    expect(paths).toContain('/.well-known/jwks.json');
    expect(paths.some((path) => path.startsWith('/api/events'))).toBe(true);
    expect(paths).toContain('/api/admin/dashboard');
    expect(paths.filter((path) => !path.startsWith('/api/') && !path.startsWith('/.well-known/'))).toEqual(
      [],
    );
    expect(document['x-unavailable-services']).toEqual(['payment', 'stats']);

    const ui = await fetch(`${p.url}/api-docs/static/index.html`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });

  it('runs a second gateway beside the first: same routes, and a logout seen by both', async () => {
    const buyer = await p.register();
    const headers = fromNewAddress();
    const viaSecond = await fetch(`${secondUrl}/api/auth/me`, {
      headers: { ...headers, authorization: `Bearer ${buyer.accessToken}` },
    });
    expect(viaSecond.status).toBe(200);

    const out = await p.api('POST', '/api/auth/logout', {
      body: { refreshToken: buyer.refreshToken },
      headers,
    });
    expect(out.status).toBe(204);
    for (const base of [p.url, secondUrl]) {
      const res = await fetch(`${base}/api/events`, {
        headers: { ...headers, authorization: `Bearer ${buyer.accessToken}` },
      });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('TOKEN_REVOKED');
    }
  });

  it('carries Socket.IO, polling and WebSocket, through to the ticket service', async () => {
    for (const transports of [['websocket'], ['polling']]) {
      const socket = connectSocket(p.url, {
        path: '/socket.io',
        transports,
        reconnection: false,
        extraHeaders: fromNewAddress(),
      });
      try {
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', () => resolve());
          socket.once('connect_error', reject);
        });
        expect(socket.connected).toBe(true);
      } finally {
        socket.close();
      }
    }
  });
});
