import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import helmet from 'helmet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connectSocket } from 'socket.io-client';
import { createTestIssuer, type TestIssuer, type TestService } from '@tiketi/testing';
import { IDENTITY_HEADER, identitySigner } from '@tiketi/platform';
import { startGatewayOver } from './testing/gateway.testkit';
import type { GatewayConfig } from './gateway.config';
import { startEchoUpstream, startSocketUpstream, type FakeUpstream } from './testing/upstreams.fake';

describe('gateway in front of stand-in services', () => {
  let auth: FakeUpstream;
  let ticket: FakeUpstream;
  let payment: FakeUpstream;
  let stats: FakeUpstream;
  let statsFailing = false;
  let socketUpstream: Awaited<ReturnType<typeof startSocketUpstream>>;
  let gateway: TestService<GatewayConfig>;
  let wsGateway: TestService<GatewayConfig>;
  let issuer: TestIssuer;
  let url: string;

  const call = (
    method: string,
    path: string,
    init: { headers?: Record<string, string>; body?: string | Buffer } = {},
  ) => fetch(`${url}${path}`, { method, headers: init.headers, body: init.body });

  beforeAll(async () => {
    auth = await startEchoUpstream('auth');
    ticket = await startEchoUpstream('ticket', (app) => {
      app.get('/internal/ops', async (request, reply) => {
        if (request.headers['x-internal-token'] !== 'dev-internal-token-change-me')
          return reply.status(403).send({ error: { code: 'INTERNAL_ONLY', message: 'no' } });
        return {
          queues: [{ eventId: 'evt_1', title: 'Concert', waiting: 120, inside: 30 }],
          seatsHeld: 42,
          salesPerMinute: 3,
        };
      });
    });
    payment = await startEchoUpstream('payment');
    stats = await startEchoUpstream('stats', (app) => {
      app.get('/api/stats/slow', async () => {
        await new Promise((r) => setTimeout(r, 80));
        return { slow: true };
      });
      app.get('/api/stats/dashboard', async (request, reply) => {
        if (statsFailing)
          return reply.status(500).send({ error: { code: 'INTERNAL_ERROR', message: 'boom' } });
        return {
          revenue: { today: 1000, total: 5000, refundsToday: 0 },
          conversionRate: 0.5,
          seenAuthorization: request.headers.authorization,
        };
      });
    });
    socketUpstream = await startSocketUpstream();
    issuer = await createTestIssuer();
    gateway = await startGatewayOver(
      issuer,
      { auth: auth.url, ticket: ticket.url, payment: payment.url, stats: stats.url },
      { GATEWAY_BODY_LIMIT_BYTES: String(64 * 1024), GATEWAY_UPLOAD_LIMIT_BYTES: String(512 * 1024) },
    );
    url = gateway.url!;
    // Everything but a realtime-only ticket service is down behind this one.
    wsGateway = await startGatewayOver(
      issuer,
      { ticket: socketUpstream.url },
      { RATE_LIMIT_IP_PER_MINUTE: '8' },
    );
  });

  afterAll(async () => {
    await wsGateway?.close();
    await gateway?.close();
    await Promise.all([
      auth?.close(),
      ticket?.close(),
      payment?.close(),
      stats?.close(),
      socketUpstream?.close(),
    ]);
  });

  it('forwards each public path, unchanged with its query, to the service that owns it', async () => {
    const cases: Array<[string, string]> = [
      ['/api/auth/login?x=1', 'auth'],
      ['/.well-known/jwks.json', 'auth'],
      ['/api/events/evt_1/seats?section=A', 'ticket'],
      ['/api/events', 'ticket'],
      ['/api/payments/methods', 'payment'],
      ['/socket.io/?EIO=4&transport=polling', 'ticket'],
    ];
    for (const [path, service] of cases) {
      const res = await call('GET', path);
      expect(res.status, path).toBe(200);
      const body = (await res.json()) as { service: string; url: string };
      expect(body).toMatchObject({ service, url: path });
    }
  });

  it('never forwards /internal and answers unknown paths with the JSON 404', async () => {
    const before = ticket.seen.length + auth.seen.length + payment.seen.length;
    for (const path of ['/internal/ops', '/api/unknown', '/api/eventsX', '/api/events/../../internal/ops']) {
      const res = await call('GET', path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      const body = (await res.json()) as { error: { code: string; requestId: string } };
      expect(body.error.code).toBeTruthy();
      expect(body.error.requestId).toBeTruthy();
    }
    expect((await call('GET', '/internal/ops')).status).toBe(404);
    // An unknown API path is still answered at the edge: the browser can read the 404.
    const unknown = await call('GET', '/api/unknown', { headers: { origin: 'http://localhost:3000' } });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('ROUTE_NOT_FOUND');
    expect(ticket.seen.length + auth.seen.length + payment.seen.length).toBe(before);
  });

  it('answers a malformed percent-encoding with 400, not a 500, and forwards nothing', async () => {
    const before = ticket.seen.length + auth.seen.length;
    for (const path of ['/api/events?q=%ED%A0%80', '/api/events/%E0%A4%A', '/.well-known/jwks.json?x=%']) {
      const res = await call('GET', path);
      expect(res.status, path).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code, path).toBe('MALFORMED_URL');
    }
    expect(ticket.seen.length + auth.seen.length).toBe(before);
    // A well-formed escape still goes through.
    expect((await call('GET', '/api/events?q=%EC%95%84%EC%9D%B4%EC%9C%A0')).status).toBe(200);
  });

  it('passes the request id on (generated when absent), the client address, and strips the internal token', async () => {
    const res = await call('GET', '/api/events', {
      headers: { 'x-request-id': 'req-gw-1', 'x-internal-token': 'guess', 'x-forwarded-for': '6.6.6.6' },
    });
    expect(res.headers.get('x-request-id')).toBe('req-gw-1');
    const body = (await res.json()) as { headers: Record<string, string> };
    expect(body.headers['x-request-id']).toBe('req-gw-1');
    expect(body.headers['x-internal-token']).toBeUndefined();
    // A proxy on this machine (here: the test itself) is believed for one hop, and the address chain goes on.
    expect(body.headers['x-forwarded-for']).toBe('6.6.6.6, 127.0.0.1');
    const direct = (await (await call('GET', '/api/events')).json()) as { headers: Record<string, string> };
    expect(direct.headers['x-forwarded-for']).toBe('127.0.0.1');

    const generated = await call('GET', '/api/events');
    const id = generated.headers.get('x-request-id');
    expect(id).toMatch(/[0-9a-f-]{36}/);
    expect(((await generated.json()) as { headers: Record<string, string> }).headers['x-request-id']).toBe(
      id,
    );
  });

  it('rejects a bad token at the edge with 401, before any service sees it', async () => {
    const other = await createTestIssuer();
    const expired = await issuer.mint({}, { expiresIn: Math.floor(Date.now() / 1000) - 60 });
    const before = ticket.seen.length;
    for (const token of ['garbage', await other.mint(), expired]) {
      const res = await call('GET', '/api/events', { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(401);
      const body = (await res.json()) as { error: { code: string; requestId: string } };
      expect(['INVALID_TOKEN', 'TOKEN_EXPIRED']).toContain(body.error.code);
      expect(body.error.requestId).toBeTruthy();
    }
    expect(ticket.seen.length).toBe(before);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/tiketi_gateway_rejected_total\{reason="invalid_token"[^}]*\} 2/);
    expect(metrics).toMatch(/tiketi_gateway_rejected_total\{reason="token_expired"[^}]*\} 1/);
    const good = await issuer.user('user');
    expect((await call('GET', '/api/events', { headers: good.headers })).status).toBe(200);
    // The token itself goes on: services verify it again.
    expect(ticket.seen.at(-1)!.headers.authorization).toBe(good.headers.authorization);
  });

  it("sets helmet's security headers on every answer: forwarded, refused at the edge, not found", async () => {
    const expected = await helmetOnARealResponse();
    expect(Object.keys(expected).length).toBeGreaterThan(5);
    const answers = [
      await call('GET', '/api/events'),
      await call('GET', '/api/events', { headers: { authorization: 'Bearer garbage' } }),
      await call('GET', '/api/unknown'),
    ];
    expect(answers.map((res) => res.status)).toEqual([200, 401, 404]);
    for (const res of answers) {
      for (const [name, value] of Object.entries(expected))
        expect(res.headers.get(name), `${res.status}: ${name}`).toBe(value);
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
  });

  it("reports how long proxied requests waited on their service's answer, by route", async () => {
    for (let i = 0; i < 2; i++) expect((await call('GET', '/api/stats/slow')).status).toBe(200);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const seconds = Number(
      /http_request_spent_seconds_total\{[^}]*route="\/api\/stats\/\*"[^}]*part="calls"[^}]*\} ([0-9.e-]+)/.exec(
        metrics,
      )?.[1],
    );
    expect(seconds).toBeGreaterThanOrEqual(0.155);
    expect(seconds).toBeLessThan(2);
  });

  it('hands the service the identity it checked, signed for that token, and never one a client sends', async () => {
    const good = await issuer.user('user');
    const signer = identitySigner(gateway.ctx.config.INTERNAL_TOKEN);
    const forged = identitySigner('a-guessed-secret').sign(
      { id: 'usr_someone_else', role: 'admin', sid: 'ses_x' },
      good.token,
    );
    const withToken = await call('GET', '/api/events', {
      headers: { ...good.headers, [IDENTITY_HEADER]: forged },
    });
    expect(withToken.status).toBe(200);
    const passed = ticket.seen.at(-1)!.headers[IDENTITY_HEADER] as string;
    expect(passed).not.toBe(forged);
    expect(signer.read(passed, good.token)).toMatchObject({ id: good.id, role: 'user', email: good.email });
    // Bound to the token it was made for: useless next to another.
    expect(signer.read(passed, (await issuer.user('user')).token)).toBeNull();

    expect((await call('GET', '/api/events', { headers: { [IDENTITY_HEADER]: forged } })).status).toBe(200);
    expect(ticket.seen.at(-1)!.headers[IDENTITY_HEADER]).toBeUndefined();
  });

  it('keeps /api/admin for administrators', async () => {
    const user = await issuer.user('user');
    const admin = await issuer.user('admin');
    expect((await call('GET', '/api/admin/events')).status).toBe(401);
    const forbidden = await call('GET', '/api/admin/events', { headers: user.headers });
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as { error: { code: string } }).error.code).toBe('ADMIN_ONLY');
    const allowed = await call('GET', '/api/admin/reservations.csv?status=confirmed', {
      headers: admin.headers,
    });
    expect(allowed.status).toBe(200);
    expect(await allowed.json()).toMatchObject({
      service: 'ticket',
      url: '/api/admin/reservations.csv?status=confirmed',
    });
  });

  it('passes small bodies on byte for byte, with their content type and length', async () => {
    for (const [type, body] of [
      [
        'application/json; charset=utf-8',
        JSON.stringify({ name: '김민수', seats: ['A1', 'A2'], note: ' spaced ' }),
      ],
      ['text/plain', 'not json at all {'],
      ['application/x-www-form-urlencoded', 'action=approve&x=%ED%95%9C'],
    ] as const) {
      const res = await call('POST', '/api/auth/register', { headers: { 'content-type': type }, body });
      expect(res.status).toBe(200);
      const seen = auth.seen[auth.seen.length - 1]!;
      expect(seen.bodyText).toBe(body);
      expect(seen.headers['content-type']).toBe(type);
      expect(seen.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    }
  });

  it('limits body size: JSON small, multipart uploads larger', async () => {
    const before = auth.seen.length;
    const big = JSON.stringify({ blob: 'x'.repeat(100 * 1024) });
    const res = await call('POST', '/api/auth/register', {
      headers: { 'content-type': 'application/json' },
      body: big,
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(auth.seen.length).toBe(before);

    const admin = await issuer.user('admin');
    const form = new FormData();
    form.set('file', new Blob([Buffer.alloc(200 * 1024, 1)], { type: 'image/png' }), 'poster.png');
    const upload = await fetch(`${url}/api/admin/events/evt_1/poster`, {
      method: 'POST',
      headers: admin.headers,
      body: form,
    });
    expect(upload.status).toBe(200);
    expect(((await upload.json()) as { bodyBytes: number }).bodyBytes).toBeGreaterThan(200 * 1024);
  });

  it('answers 503 in the JSON error shape when a service is down', async () => {
    const admin = await issuer.user('admin');
    for (const path of ['/api/stats/dashboard', '/api/payments/methods']) {
      const started = Date.now();
      const res = await fetch(`${wsGateway.url}${path}`, { headers: admin.headers });
      expect(res.status).toBe(503);
      const body = (await res.json()) as { error: { code: string; requestId: string } };
      expect(body.error.code).toBe('SERVICE_UNAVAILABLE');
      expect(body.error.requestId).toBeTruthy();
      expect(Date.now() - started).toBeLessThan(5_000);
    }
    // A token that cannot be checked because auth is unreachable is not called invalid (that would sign the buyer out).
    const foreign = await (await createTestIssuer()).mint();
    const unverifiable = await fetch(`${wsGateway.url}/api/events`, {
      headers: { authorization: `Bearer ${foreign}` },
    });
    expect(unverifiable.status).toBe(503);
    expect(((await unverifiable.json()) as { error: { code: string } }).error.code).toBe('AUTH_UNAVAILABLE');
    expect(
      (await fetch(`${wsGateway.url}/api/events`, { headers: { authorization: 'Bearer garbage' } })).status,
    ).toBe(401);

    const metrics = await (await fetch(`${wsGateway.url}/metrics`)).text();
    expect(metrics).toMatch(/tiketi_gateway_upstream_failures_total\{upstream="stats"[^}]*\} 1/);
  });

  it('serves the admin dashboard: stats figures plus live operations, degraded when a part is down', async () => {
    const admin = await issuer.user('admin');
    const full = await call('GET', '/api/admin/dashboard', { headers: admin.headers });
    expect(full.status).toBe(200);
    const body = (await full.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      revenue: { today: 1000, total: 5000, refundsToday: 0 },
      conversionRate: 0.5,
      seenAuthorization: admin.headers.authorization,
      live: {
        queues: [{ eventId: 'evt_1', title: 'Concert', waiting: 120, inside: 30 }],
        seatsHeld: 42,
        salesPerMinute: 3,
      },
    });
    expect(body.degraded).toBeUndefined();

    statsFailing = true;
    try {
      const partial = await call('GET', '/api/admin/dashboard', { headers: admin.headers });
      expect(partial.status).toBe(200);
      const partialBody = (await partial.json()) as Record<string, unknown>;
      expect(partialBody).toMatchObject({ degraded: ['stats'], live: { seatsHeld: 42 } });
      expect(partialBody.revenue).toBeUndefined();
    } finally {
      statsFailing = false;
    }

    // Both parts down: nothing to show.
    const none = await fetch(`${wsGateway.url}/api/admin/dashboard`, { headers: admin.headers });
    expect(none.status).toBe(503);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('SERVICE_UNAVAILABLE');

    const user = await issuer.user('user');
    expect((await call('GET', '/api/admin/dashboard', { headers: user.headers })).status).toBe(403);
  });

  it('proxies the Socket.IO WebSocket upgrade to the ticket service', async () => {
    const socket = connectSocket(wsGateway.url!, {
      path: '/socket.io',
      transports: ['websocket'],
      reconnection: false,
    });
    try {
      const reply = await socket.timeout(5_000).emitWithAck('echo', { hello: 'seats' });
      expect(reply).toMatchObject({ payload: { hello: 'seats' }, forwardedFor: '127.0.0.1' });
    } finally {
      socket.close();
    }

    // Upgrades count against the per-address limit (8 a minute behind this gateway).
    let limited = false;
    for (let i = 0; i < 10 && !limited; i++)
      limited = (await fetch(`${wsGateway.url}/api/events`)).status === 429;
    expect(limited).toBe(true);
    const refused = connectSocket(wsGateway.url!, {
      path: '/socket.io',
      transports: ['websocket'],
      reconnection: false,
    });
    try {
      await expect(
        new Promise((resolve, reject) => {
          refused.once('connect', () => resolve('connected'));
          refused.once('connect_error', (err) => reject(err));
        }),
      ).rejects.toThrow();
    } finally {
      refused.close();
    }
  });
});

/** What helmet itself sends, with the gateway's options, from a plain node:http server. */
async function helmetOnARealResponse(): Promise<Record<string, string>> {
  const secure = helmet({
    contentSecurityPolicy: false,
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  });
  const server = createServer((req, res) => secure(req, res, () => res.end()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/`);
    const transport = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);
    return Object.fromEntries([...res.headers].filter(([name]) => !transport.has(name)));
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}
