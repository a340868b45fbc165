import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { baseConfigSchema, loadConfig, type BaseConfig } from '../config/config';
import { MemoryBus } from '../bus';
import { MemoryCoordination } from '../coordination';
import { ServiceClient } from '../http/service-client';
import { buildServiceApp } from '../service/app';
import { closeServiceContext, createServiceContext } from '../service/runtime';
import { defineService, type ServiceContext } from '../service/service';
import { createLogger } from './logger';
import { currentRequestId, runWithRequestContext } from './request-context';

/** Every line the logger writes, raw (to see a key twice) and parsed. */
function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const config = loadConfig(baseConfigSchema, {
  NODE_ENV: 'test',
  LOG_LEVEL: 'info',
  LOG_FORMAT: 'json',
}) as BaseConfig;

describe('request id on every log line', () => {
  it('adds the current request id to lines of any logger, and nothing outside a request', async () => {
    const out = capture();
    const log = createLogger(config, 'test', out.stream).child({ service: 'probe' });
    log.info('before');
    await runWithRequestContext({ requestId: 'req-a' }, async () => {
      await new Promise((r) => setTimeout(r, 1));
      log.info({ step: 1 }, 'inside');
      log.child({ part: 'x' }).warn('deeper');
    });
    log.info('after');
    const byMsg = Object.fromEntries(out.parsed().map((l) => [l.msg, l]));
    expect(byMsg.before).not.toHaveProperty('requestId');
    expect(byMsg.inside).toMatchObject({ requestId: 'req-a', step: 1, service: 'probe' });
    expect(byMsg.deeper).toMatchObject({ requestId: 'req-a', part: 'x' });
    expect(byMsg.after).not.toHaveProperty('requestId');
    expect(currentRequestId()).toBeUndefined();
  });

  describe('through the service shell', () => {
    const out = capture();
    let ctx: ServiceContext;
    let app: FastifyInstance;
    let url = '';
    const echoed: string[] = [];
    const probe = defineService({
      name: 'stats',
      portKey: 'STATS_PORT',
      configSchema: baseConfigSchema,
      openapi: { title: 'probe', description: 'request id probe' },
      async routes(scope, service) {
        scope.post('/api/probe', async (request) => {
          await new Promise((r) => setTimeout(r, 2));
          // Service code logs through its context's logger, not the request's.
          service.log.info({ body: request.body }, 'service line');
          request.log.info('request line');
          // Another service called on behalf of this request gets the same id.
          await new ServiceClient(url, config.INTERNAL_TOKEN, 'self').call('/api/echo');
          return { ok: true };
        });
        scope.get('/api/echo', async (request) => {
          echoed.push(String(request.headers['x-request-id']));
          service.log.info('echo line');
          return {};
        });
      },
    });

    beforeAll(async () => {
      ctx = await createServiceContext(probe, config, {
        coordination: new MemoryCoordination(),
        bus: new MemoryBus(),
        log: createLogger(config, 'test', out.stream),
        tokens: {
          verify: async () => Promise.reject(new Error('no tokens here')),
          verifySigned: async () => Promise.reject(new Error('no tokens here')),
          assertActive: async () => Promise.reject(new Error('no tokens here')),
        },
      });
      app = await buildServiceApp(probe, ctx);
      await app.listen({ port: 0, host: '127.0.0.1' });
      const address = app.server.address();
      url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    });
    afterAll(async () => {
      await app?.close();
      if (ctx) await closeServiceContext(ctx);
    });

    it('puts the id on lines written by service code, once per line, and passes it on', async () => {
      const res = await fetch(`${url}/api/probe`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'req-from-gateway' },
        body: JSON.stringify({ blob: 'x'.repeat(64 * 1024) }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBe('req-from-gateway');
      expect(echoed).toEqual(['req-from-gateway']);
      const lines = out.lines.filter((l) => /"msg":"(service|request|echo) line"/.test(l));
      expect(lines).toHaveLength(3);
      for (const line of lines) {
        expect(line.match(/"requestId":/g), line).toHaveLength(1);
        expect(JSON.parse(line).requestId).toBe('req-from-gateway');
      }
    });

    it('gives concurrent requests their own ids', async () => {
      out.lines.length = 0;
      const ids = Array.from({ length: 8 }, (_, i) => `req-parallel-${i}`);
      await Promise.all(
        ids.map((id) =>
          fetch(`${url}/api/probe`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-request-id': id },
            body: JSON.stringify({ id }),
          }),
        ),
      );
      const serviceLines = out.parsed().filter((l) => l.msg === 'service line');
      expect(serviceLines).toHaveLength(ids.length);
      for (const line of serviceLines) expect(line.requestId).toBe((line.body as { id: string }).id);
    });
  });
});
