import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type Session, type TestPlatform } from '../support/platform';

/**
 * Every route the API documents, sent what a careless or hostile client sends: ids that are not
 * ids, a NUL, percent-escapes that are not UTF-8, bodies of the wrong shape, size or type, as
 * nobody, a buyer and an operator. None may answer 5xx or leave the one JSON error shape: each of
 * a NUL reaching PostgreSQL, a bad escape reaching the proxy and a bad escape in a path (Fastify's
 * own shape) did, until this sweep found them.
 */
let tp: TestPlatform;
let admin: Session;
let buyer: Session;

beforeAll(async () => {
  tp = await startTestPlatform({
    env: { RATE_LIMIT_IP_PER_MINUTE: '1000000', RATE_LIMIT_USER_PER_MINUTE: '1000000' },
  });
  admin = await tp.admin();
  buyer = await tp.register();
});
afterAll(async () => {
  await tp?.close();
});

const IDS = ['x', '%00', '%ED%A0%80', "'%3B%20drop%20table%20users%3B--"];
const QUERIES = ['', '?from=nope&to=2026-13-45&limit=-1&page=abc', '?q=%00', '?q=%ED%A0%80&page=99999999999'];
const BODIES: Array<string | undefined> = [
  undefined,
  '{',
  '[]',
  JSON.stringify({ eventId: 123, quantity: 'many', seatIds: [1, 2], amount: -5, email: 5, name: null }),
  JSON.stringify({ eventId: 'evt_\u0000', name: 'a\u0000', reason: '\u0000', title: '\ud83d' }),
  JSON.stringify({
    quantity: 2 ** 31,
    amount: 2 ** 53 + 1,
    seatIds: Array.from({ length: 3000 }, (_, i) => `s${i}`),
  }),
];

/**
 * Sends one request and says what is wrong with its answer: a 5xx, or a 4xx not in the one JSON
 * error shape (with its request id); null when it is right.
 */
async function send(
  method: string,
  url: string,
  headers: Record<string, string>,
  body: string | undefined,
): Promise<string | null> {
  if (body !== undefined) headers = { ...headers, 'content-type': 'application/json' };
  const res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(10_000) });
  if (res.ok && String(res.headers.get('content-type')).includes('text/event-stream')) {
    // The live dashboard feed, rightly open: it never ends on its own.
    await res.body?.cancel();
    return null;
  }
  const text = await res.text();
  const shaped = (() => {
    try {
      const parsed = JSON.parse(text) as { error?: { code?: unknown; requestId?: unknown } };
      return typeof parsed.error?.code === 'string' && typeof parsed.error.requestId === 'string';
    } catch {
      return false;
    }
  })();
  if (res.status >= 500 || (res.status >= 400 && !shaped))
    return `${res.status} ${method} ${url} ${String(body).slice(0, 40)} -> ${text.slice(0, 120)}`;
  return null;
}

describe('malformed input, on every documented route', () => {
  it('is refused with a 4xx in the JSON error shape, never a 5xx', async () => {
    const doc = (await (await fetch(`${tp.url}/api-docs/json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const routes = Object.entries(doc.paths)
      // Signing out would end the operator's session half-way through the sweep.
      .filter(([path]) => !/logout/.test(path))
      .flatMap(([path, ops]) =>
        Object.keys(ops)
          .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
          .map((method) => ({ path, method: method.toUpperCase() })),
      );
    expect(routes.length).toBeGreaterThan(40);
    const wrong: string[] = [];
    let sent = 0;
    for (const { path, method } of routes) {
      const hasBody = method !== 'GET' && method !== 'DELETE';
      for (const who of [undefined, buyer, admin]) {
        // Nobody and a buyer are mostly turned away at the door: one try each is enough.
        const ids = who === admin ? IDS : IDS.slice(0, 1);
        for (const [i, id] of ids.entries()) {
          const url = `${tp.url}${path.replace(/\{[^}]+\}/g, id)}${QUERIES[i % QUERIES.length]}`;
          for (const body of hasBody ? (who === admin ? BODIES : BODIES.slice(3, 4)) : [undefined]) {
            const headers: Record<string, string> = {};
            if (who) headers.authorization = `Bearer ${who.accessToken}`;
            sent += 1;
            const complaint = await send(method, url, headers, body);
            if (complaint) wrong.push(complaint);
          }
        }
      }
    }
    expect(sent).toBeGreaterThan(500);
    expect(wrong).toEqual([]);
  }, 180_000);
});

/**
 * The service-to-service routes (never routed by the gateway, hidden from the document), read from
 * each service's own route table, sent the same junk with the internal token: a service that calls
 * another with a bad id or body must get a 4xx it can act on, not a 5xx that reads as an outage
 * and is retried. Read from the table, a new internal route is swept without anyone listing it.
 */
function internalRoutes(tree: string): Array<{ method: string; path: string }> {
  // Fastify prints its routes as a tree (`├── /a/:id (GET, HEAD)`, children indented under it).
  const stack: string[] = [];
  const found: Array<{ method: string; path: string }> = [];
  for (const line of tree.split('\n')) {
    const m = /^([│ ]*)[├└]── (\S+)(?: \(([A-Z, ]+)\))?/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(`${stack[depth - 1] ?? ''}${m[2]}`);
    const path = stack[depth]!;
    for (const method of m[3]?.split(', ') ?? [])
      if (method !== 'HEAD' && path.startsWith('/internal/')) found.push({ method, path });
  }
  return found;
}

describe('malformed input, on every service-to-service route', () => {
  it('is refused with a 4xx in the JSON error shape, never a 5xx', async () => {
    const wrong: string[] = [];
    let sent = 0;
    const swept: string[] = [];
    for (const service of ['auth', 'ticket', 'payment', 'stats'] as const) {
      const running = tp.platform.services[service]!;
      const token = running.ctx.config.INTERNAL_TOKEN as string;
      for (const { method, path } of internalRoutes(running.app.printRoutes({ commonPrefix: false }))) {
        swept.push(`${service} ${method} ${path}`);
        for (const id of IDS) {
          // The first parameter gets the junk, any other a plain value; list routes get it as a query.
          const filled = path.replace(/:[A-Za-z]+/, id).replace(/:[A-Za-z]+/g, 'x');
          const url = `${tp.platform.urls[service]}${filled}${filled === path ? `?ids=${id}&from=${id}` : ''}`;
          for (const body of method === 'GET' || method === 'DELETE' ? [undefined] : BODIES) {
            const headers: Record<string, string> = { 'x-internal-token': token };
            sent += 1;
            const complaint = await send(method, url, headers, body);
            if (complaint) wrong.push(complaint);
          }
        }
      }
    }
    // The table is read, not guessed: the routes payment and the gateway are known to call are in it.
    expect(swept).toEqual(
      expect.arrayContaining([
        'ticket GET /internal/reservations/:id',
        'ticket POST /internal/reservations/:id/confirm',
        'ticket POST /internal/reservations/:id/refund-claim',
        'ticket DELETE /internal/reservations/:id/refund-claim/:refundId',
        'payment POST /internal/payments/refund-reservation',
        'payment GET /internal/refunds/:id',
        'auth GET /internal/users/:id',
      ]),
    );
    expect(sent).toBeGreaterThan(100);
    expect(wrong).toEqual([]);
  }, 120_000);
});
