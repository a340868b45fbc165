import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Type } from '@sinclair/typebox';
import {
  addSpent,
  AppError,
  baseConfigSchema,
  defineService,
  IDENTITY_HEADER,
  identitySigner,
  inPriorityLane,
  requireAdmin,
  requireInternal,
} from '@tiketi/platform';
import { startTestService, type TestService } from '@tiketi/testing';

const INTERNAL = 'shell-probe-internal-token-0123456789';

/** A minimal service built on the same shell as every real one. */
const probe = defineService({
  name: 'stats',
  portKey: 'STATS_PORT',
  schema: 'shell_probe',
  configSchema: baseConfigSchema,
  openapi: { title: 'probe', description: 'shell test' },
  async routes(app) {
    app.post(
      '/api/things',
      {
        schema: {
          body: Type.Object({ name: Type.String({ minLength: 2 }), qty: Type.Integer({ minimum: 1 }) }),
        },
      },
      async (req, reply) => reply.status(201).send({ thing: req.body }),
    );
    app.get('/api/things/:id', async (req) => {
      const { id } = req.params as { id: string };
      if (id === 'boom') throw new Error('database password is hunter2');
      throw AppError.notFound('THING_NOT_FOUND', 'No such thing', { id });
    });
    app.get('/api/admin/things', { onRequest: requireAdmin }, async () => ({ items: [] }));
    app.get('/api/whoami', async (req) => ({ user: req.user }));
    app.get('/api/things-lane', async () => ({ priority: inPriorityLane() }));
    app.get('/api/things-waiting', async () => {
      addSpent('db_wait', 30);
      addSpent('db', 20);
      return { ok: true };
    });
    app.get('/internal/things-lane', { onRequest: requireInternal(INTERNAL) }, async () => ({
      priority: await Promise.resolve().then(() => inPriorityLane()),
    }));
  },
});

describe('service shell', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService(probe, { env: { INTERNAL_TOKEN: INTERNAL } });
  });
  afterAll(async () => svc?.close());

  it('answers health, readiness and OpenAPI', async () => {
    expect((await svc.app.inject({ url: '/health' })).json()).toMatchObject({ status: 'ok' });
    const ready = await svc.app.inject({ url: '/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', coordination: 'ok' } });
    const docs = await svc.app.inject({ url: '/api-docs/json' });
    expect(docs.statusCode).toBe(200);
    expect(Object.keys(docs.json().paths)).toContain('/api/things');
  });

  it('puts internal calls, and only those, in the priority lane for database connections', async () => {
    const internal = await svc.app.inject({
      url: '/internal/things-lane',
      headers: { 'x-internal-token': INTERNAL },
    });
    expect(internal.json()).toEqual({ priority: true });
    expect((await svc.app.inject({ url: '/api/things-lane' })).json()).toEqual({ priority: false });
    expect((await svc.app.inject({ url: '/internal/things-lane' })).statusCode).toBe(403);
  });

  it("takes the gateway's signed identity for the token it came with, and checks the token itself otherwise", async () => {
    const buyer = await svc.issuer.user('user');
    const whoami = async (headers: Record<string, string>) => {
      const res = await svc.app.inject({ url: '/api/whoami', headers });
      return { status: res.statusCode, user: res.json().user, code: res.json().error?.code };
    };
    const vouched = { id: buyer.id, role: 'admin' as const, sid: 'ses_vouched' };
    // The signed identity stands for the check: what it says is what the service sees ...
    const signed = identitySigner(INTERNAL).sign(vouched, buyer.token);
    expect(await whoami({ ...buyer.headers, [IDENTITY_HEADER]: signed })).toMatchObject({
      status: 200,
      user: { sid: 'ses_vouched', role: 'admin' },
    });
    // ... but not when it is forged, stale, for another token, or tampered with: then the token is checked.
    const other = await svc.issuer.user('user');
    const parts = signed.split('.');
    parts[2] = Buffer.from(JSON.stringify({ ...vouched, id: 'usr_x' })).toString('base64url');
    const tampered = parts.join('.');
    for (const header of [
      identitySigner('some-other-secret-entirely').sign(vouched, buyer.token),
      identitySigner(INTERNAL).sign(vouched, buyer.token, Date.now() - 31_000),
      identitySigner(INTERNAL).sign(vouched, other.token),
      tampered,
      'v1.garbage',
    ]) {
      expect(await whoami({ ...buyer.headers, [IDENTITY_HEADER]: header })).toMatchObject({
        status: 200,
        user: { id: buyer.id, role: 'user', sid: buyer.sid },
      });
    }
    // No token, no user, whatever the header says; a bad token is refused, header or not.
    expect(await whoami({ [IDENTITY_HEADER]: signed })).toMatchObject({ status: 200, user: null });
    expect(
      await whoami({
        authorization: 'Bearer garbage',
        [IDENTITY_HEADER]: identitySigner('x').sign(vouched, 'garbage'),
      }),
    ).toMatchObject({ status: 401, code: 'INVALID_TOKEN' });
  });

  it('turns malformed JSON into 400 MALFORMED_JSON', async () => {
    const res = await svc.app.inject({
      method: 'POST',
      url: '/api/things',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'MALFORMED_JSON' });
    expect(res.json().error.requestId).toBeTruthy();
  });

  it('reports schema violations with the offending path', async () => {
    const res = await svc.app.inject({ method: 'POST', url: '/api/things', payload: { name: 'x', qty: 0 } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(res.json().error.details)).toMatch(/name|qty/);
  });

  it('answers unknown routes with 404 ROUTE_NOT_FOUND', async () => {
    const res = await svc.app.inject({ url: '/api/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('ROUTE_NOT_FOUND');
  });

  it('refuses a 2 MB body with 413', async () => {
    const res = await svc.app.inject({
      method: 'POST',
      url: '/api/things',
      payload: { name: 'x'.repeat(2 * 1024 * 1024), qty: 1 },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('maps AppError kinds to status and keeps details', async () => {
    const res = await svc.app.inject({ url: '/api/things/t1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: { code: 'THING_NOT_FOUND', details: { id: 't1' } } });
  });

  it('hides internals of unexpected errors behind an error id', async () => {
    const res = await svc.app.inject({ url: '/api/things/boom', headers: { 'x-request-id': 'req-boom-1' } });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('hunter2');
    expect(res.json().error).toMatchObject({ code: 'INTERNAL_ERROR', requestId: 'req-boom-1' });
    expect(res.headers['x-request-id']).toBe('req-boom-1');
  });

  it('requires a valid token, and the admin role, on admin routes', async () => {
    expect((await svc.app.inject({ url: '/api/admin/things' })).statusCode).toBe(401);
    const user = await svc.issuer.user('user');
    expect(
      (await svc.app.inject({ url: '/api/admin/things', headers: user.headers })).json().error.code,
    ).toBe('ADMIN_ONLY');
    const admin = await svc.issuer.user('admin');
    expect((await svc.app.inject({ url: '/api/admin/things', headers: admin.headers })).statusCode).toBe(200);
    const bad = await svc.app.inject({
      url: '/api/admin/things',
      headers: { authorization: `Bearer ${admin.token.slice(0, -4)}abcd` },
    });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().error.code).toBe('INVALID_TOKEN');
  });

  it('labels request metrics with the route pattern, never the raw URL', async () => {
    await svc.app.inject({ url: '/api/things/abc123' });
    const metrics = (await svc.app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/http_request_duration_seconds_bucket\{[^}]*route="\/api\/things\/:id"/);
    expect(metrics).not.toContain('abc123');
    expect(metrics).toContain('process_cpu_user_seconds_total');
    expect(metrics).toMatch(/service="stats"/);
  });

  it('sums what requests spent waiting on outside parts, by route', async () => {
    await svc.app.inject({ url: '/api/things-waiting' });
    await svc.app.inject({ url: '/api/things-waiting' });
    const metrics = (await svc.app.inject({ url: '/metrics' })).body;
    const spent = (part: string) =>
      Number(
        new RegExp(
          `http_request_spent_seconds_total\\{[^}]*route="/api/things-waiting"[^}]*part="${part}"[^}]*\\} ([0-9.e-]+)`,
        ).exec(metrics)?.[1],
      );
    expect(spent('db_wait')).toBeCloseTo(0.06, 6);
    expect(spent('db')).toBeCloseTo(0.04, 6);
    // A part the route never waited on is not reported.
    expect(metrics).not.toMatch(/route="\/api\/things-waiting"[^}]*part="calls"/);
  });
});
