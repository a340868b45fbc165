import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../errors/app-error';
import { runWithRequestContext, type RequestContext } from '../logging/request-context';
import { freePort } from '../net/free-port';
import { ServiceClient } from './service-client';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const routes: Record<string, Handler> = {
  '/ok': (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"value":42}'),
  '/echo': (req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          token: req.headers['x-internal-token'],
          requestId: req.headers['x-request-id'],
          body: JSON.parse(body),
        }),
      ),
    );
  },
  '/conflict': (_req, res) =>
    res.writeHead(409, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        error: { code: 'SEAT_UNAVAILABLE', message: 'taken', details: { seats: ['A-1'] } },
      }),
    ),
  '/slow': (_req, res) => {
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'), 120);
  },
  '/html-502': (_req, res) =>
    res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>Bad Gateway</body></html>'),
  '/html-200': (_req, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>'),
  '/crash': (_req, res) =>
    res
      .writeHead(500, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error: { code: 'INTERNAL', message: 'x', errorId: 'err_1' } })),
};

let server: Server;
let client: ServiceClient;
beforeAll(async () => {
  server = createServer((req, res) =>
    (routes[req.url ?? ''] ?? ((_q, r) => r.writeHead(404).end()))(req, res),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  client = new ServiceClient(
    `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    'secret-token',
    'ticket',
  );
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('ServiceClient', () => {
  it('returns the JSON answer and sends the internal token, the request id and the body', async () => {
    expect(await client.call('/ok')).toEqual({ value: 42 });
    expect(await client.call('/echo', { method: 'POST', body: { a: 1 }, requestId: 'req_1' })).toEqual({
      token: 'secret-token',
      requestId: 'req_1',
      body: { a: 1 },
    });
  });

  it("passes a callee's 4xx on with its kind, code and details", async () => {
    const err = await failure(client.call('/conflict'));
    expect(err).toMatchObject({ kind: 'conflict', code: 'SEAT_UNAVAILABLE', details: { seats: ['A-1'] } });
  });

  it('turns a 5xx, a body that is not JSON, a 4xx without a code and an unreachable callee into UPSTREAM_UNAVAILABLE', async () => {
    for (const path of ['/crash', '/html-502', '/html-200', '/missing']) {
      const err = await failure(client.call(path));
      expect(err, path).toMatchObject({ kind: 'unavailable', code: 'UPSTREAM_UNAVAILABLE' });
    }
    expect((await failure(client.call('/html-502'))).message).toContain('not JSON');
    const nobody = new ServiceClient(`http://127.0.0.1:${await freePort()}`, 't', 'payment');
    expect(await failure(nobody.call('/ok'))).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      message: 'payment service is unreachable',
    });
  });

  it('counts the time a call waited to the request that made it, failed calls too', async () => {
    const context: RequestContext = { requestId: 'req_spent' };
    await runWithRequestContext(context, async () => {
      await client.call('/slow');
      await failure(client.call('/crash'));
    });
    expect(context.spent?.calls).toBeGreaterThanOrEqual(115);
    expect(context.spent?.calls).toBeLessThan(2_000);
    expect(context.spent).toMatchObject({ db_wait: 0, db: 0 });
    // Outside a request there is nothing to count against, and nothing fails.
    expect(await client.call('/ok')).toEqual({ value: 42 });
  });
});
