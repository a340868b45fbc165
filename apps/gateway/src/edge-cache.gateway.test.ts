import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestIssuer, type TestIssuer, type TestService } from '@tiketi/testing';
import type { GatewayConfig } from './gateway.config';
import { startGatewayOver } from './testing/gateway.testkit';
import { startEchoUpstream, type FakeUpstream } from './testing/upstreams.fake';

/**
 * The edge answers reads its service marked public for a moment, and nothing else: a service's
 * private answers, an administrator's reads and expired copies all go through.
 */
describe('the edge cache in front of a stand-in ticket service', () => {
  let ticket: FakeUpstream;
  let gateway: TestService<GatewayConfig>;
  let issuer: TestIssuer;
  const served: Record<string, number> = {};
  const count = (what: string) => (served[what] = (served[what] ?? 0) + 1);

  beforeAll(async () => {
    ticket = await startEchoUpstream('ticket', (app) => {
      app.get('/api/events/:id', async (request, reply) => {
        const { id } = request.params as { id: string };
        const n = count(id);
        if (id === 'private') void reply.header('cache-control', 'private, no-store');
        else if (id === 'cookie')
          void reply.header('cache-control', 'public, s-maxage=1').header('set-cookie', 'a=b');
        else void reply.header('cache-control', 'public, max-age=0, s-maxage=1');
        if (id === 'missing')
          return reply.status(404).send({ error: { code: 'EVENT_NOT_FOUND', message: 'no' } });
        return {
          event: { id, title: id === 'big' ? 'x'.repeat(4096) : `answer ${n}` },
          requestId: request.headers['x-request-id'],
        };
      });
    });
    issuer = await createTestIssuer();
    gateway = await startGatewayOver(
      issuer,
      { ticket: ticket.url },
      { GATEWAY_EDGE_CACHE_MAX_BODY_BYTES: '1024' },
    );
  });
  afterAll(async () => {
    await gateway?.close();
    await ticket?.close();
  });

  const read = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${gateway.url}${path}`, { headers });
    return { res, body: (await res.json()) as { event?: { title: string }; requestId?: string } };
  };

  it('answers a crowd from one service answer per second, to buyers signed in or not', async () => {
    const buyer = await issuer.user('user');
    const first = await read('/api/events/evt_1');
    expect(first.res.headers.get('x-cache')).toBe('miss');
    const second = await read('/api/events/evt_1', buyer.headers);
    expect(second.res.status).toBe(200);
    expect(second.res.headers.get('x-cache')).toBe('hit');
    expect(second.body.event?.title).toBe('answer 1');
    expect(second.res.headers.get('content-type')).toContain('application/json');
    expect(second.res.headers.get('cache-control')).toBe('public, max-age=0, s-maxage=1');
    // The edge's own headers are this request's, not the first one's.
    expect(second.res.headers.get('x-request-id')).toBeTruthy();
    expect(second.res.headers.get('x-request-id')).not.toBe(first.res.headers.get('x-request-id'));
    expect(second.res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(served.evt_1).toBe(1);
    // Another URL is another entry.
    expect((await read('/api/events/evt_1?x=1')).body.event?.title).toBe('answer 2');

    await new Promise((r) => setTimeout(r, 1_100));
    const later = await read('/api/events/evt_1');
    expect(later.res.headers.get('x-cache')).toBe('miss');
    expect(later.body.event?.title).toBe('answer 3');

    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/tiketi_gateway_edge_cache_total\{outcome="hit"[^}]*\} 1/);
    expect(metrics).toMatch(/tiketi_gateway_edge_cache_total\{outcome="miss"[^}]*\} 3/);
  });

  it('never answers an administrator from it, nor keeps what the service did not mark public', async () => {
    const admin = await issuer.user('admin');
    await read('/api/events/evt_2');
    const adminRead = await read('/api/events/evt_2', admin.headers);
    expect(adminRead.res.headers.get('x-cache')).toBeNull();
    expect(adminRead.body.event?.title).toBe('answer 2');
    for (const id of ['private', 'cookie', 'missing', 'big']) {
      const a = await read(`/api/events/${id}`);
      const b = await read(`/api/events/${id}`);
      expect(b.res.headers.get('x-cache'), id).not.toBe('hit');
      expect(served[id], id).toBe(2);
      expect(b.res.status).toBe(a.res.status);
    }
    // A write goes through, and so does a read of another service's path.
    const post = await fetch(`${gateway.url}/api/events/evt_2`, { method: 'POST' });
    expect(post.headers.get('x-cache')).toBeNull();
  });
});
