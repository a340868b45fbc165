import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type Session, type TestPlatform } from '../support/platform';

interface ApiDocument {
  paths: Record<string, Record<string, { security?: unknown[] }>>;
}

/**
 * Who is calling is asked before what they sent. A route that needs a signed-in user answered an
 * anonymous caller's bad body with 400 and the body's schema (validation ran before the guard),
 * and the API document marked payments and the waiting room as open. Here the document is the
 * list: every route it marks as needing a token must turn an anonymous caller away with 401, body
 * unread, and every route a buyer may not use must say 403 before looking at the body.
 */
describe('the guards come before the body', () => {
  let p: TestPlatform;
  let buyer: Session;
  let guarded: Array<{ method: string; path: string }>;

  beforeAll(async () => {
    p = await startTestPlatform();
    buyer = await p.register();
    const doc = (await p.api<ApiDocument>('GET', '/api-docs/json')).body;
    guarded = Object.entries(doc.paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([, operation]) => (operation.security?.length ?? 0) > 0)
        .map(([method, _]) => ({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, 'x') })),
    );
  });
  afterAll(async () => {
    await p?.close();
  });

  const send = (method: string, path: string, token?: string) =>
    fetch(`${p.url}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: method === 'GET' || method === 'DELETE' ? undefined : '{"malformed": ',
    });

  it('documents as needing a token every route that does, payments and the waiting room included', () => {
    const listed = guarded.map((r) => `${r.method} ${r.path}`);
    for (const route of [
      'POST /api/tickets/book',
      'POST /api/payments/create',
      'POST /api/payments/confirm',
      'POST /api/queue/x/join',
      'GET /api/tickets/my',
      'POST /api/events',
      'PUT /api/admin/events/x/queue',
    ])
      expect(listed, route).toContain(route);
  });

  it('answers 401 to an anonymous caller on every one of them, whatever the body', async () => {
    const answers: string[] = [];
    for (const { method, path } of guarded) {
      const res = await send(method, path);
      const body = (await res.json()) as { error?: { code?: string } };
      answers.push(`${method} ${path} ${res.status} ${body.error?.code}`);
    }
    expect(answers.filter((a) => !a.endsWith(' 401 AUTH_REQUIRED'))).toEqual([]);
  });

  it('answers 403 to a buyer on every administrators-only one, whatever the body', async () => {
    const answers: string[] = [];
    // /api/admin/* (the gateway's own check) and the operators' routes the services guard alone.
    const operators = [
      { method: 'POST', path: '/api/events' },
      { method: 'POST', path: '/api/events/x/cancel' },
      { method: 'POST', path: '/api/events/x/seats/block' },
      { method: 'POST', path: '/api/venues' },
      ...guarded.filter((r) => /^\/api\/admin\//.test(r.path)),
    ];
    for (const { method, path } of operators) {
      const res = await send(method, path, buyer.accessToken);
      const body = (await res.json()) as { error?: { code?: string } };
      answers.push(`${method} ${path} ${res.status} ${body.error?.code}`);
    }
    expect(answers.length).toBeGreaterThan(5);
    expect(answers.filter((a) => !a.endsWith(' 403 ADMIN_ONLY'))).toEqual([]);
  });
});
