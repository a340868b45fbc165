import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@tiketi/testing';
import { startTestPlatform, type TestPlatform } from '../support/platform';

const SERVICES = ['gateway', 'auth', 'ticket', 'payment', 'stats'] as const;

describe('every service behind the gateway: the platform shell', () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform();
  });
  afterAll(async () => {
    await p?.close();
  });

  it('serves /health, /ready, /metrics and its OpenAPI document on every port', async () => {
    for (const service of SERVICES) {
      const base = p.platform.urls[service]!;
      const health = await fetch(`${base}/health`);
      expect(health.status, service).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', service });

      const ready = await fetch(`${base}/ready`);
      expect(ready.status, service).toBe(200);
      expect(((await ready.json()) as { checks: Record<string, string> }).checks.coordination).toBe('ok');

      const metrics = await fetch(`${base}/metrics`);
      expect(metrics.status, service).toBe(200);
      const text = await metrics.text();
      expect(text).toContain('process_cpu_seconds_total');
      expect(text).toContain(`service="${service}"`);

      const docs = await fetch(`${base}/api-docs/json`);
      expect(docs.status, service).toBe(200);
      const document = (await docs.json()) as { openapi: string; paths: Record<string, unknown> };
      expect(document.openapi).toMatch(/^3\./);
      expect(Object.keys(document.paths).length, service).toBeGreaterThan(0);
    }
  });

  it('labels request durations with the route pattern, not the raw URL', async () => {
    const res = await p.api('GET', '/api/events/evt_does_not_exist_42');
    expect(res.status).toBe(404);
    // Durations are recorded once the response has finished, which may be just after the client has it.
    await eventually(async () => {
      const ticketMetrics = await (await fetch(`${p.platform.urls.ticket}/metrics`)).text();
      const lines = ticketMetrics
        .split('\n')
        .filter((line) => line.startsWith('http_request_duration_seconds_count'));
      expect(
        lines.some((line) => line.includes('route="/api/events/:id"') && line.includes('status_code="404"')),
      ).toBe(true);
      expect(ticketMetrics).not.toContain('evt_does_not_exist_42');
    });
    // The gateway labels its forwarding route by the table entry, also without the id.
    await eventually(async () => {
      const gatewayMetrics = await (await fetch(`${p.url}/metrics`)).text();
      expect(gatewayMetrics).toContain('route="/api/events/*"');
      expect(gatewayMetrics).not.toContain('evt_does_not_exist_42');
    });
  });

  it('answers malformed JSON, unknown routes and oversized bodies with the JSON error shape', async () => {
    const malformed = await fetch(`${p.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"email": "a@b.c", "password": ',
    });
    expect(malformed.status).toBe(400);
    const malformedBody = (await malformed.json()) as {
      error: { code: string; message: string; requestId: string };
    };
    expect(malformedBody.error.code).toBe('MALFORMED_JSON');
    expect(malformedBody.error.message).toBeTruthy();
    expect(malformedBody.error.requestId).toBe(malformed.headers.get('x-request-id'));

    const unknown = await p.api('GET', '/api/no-such-thing');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('ROUTE_NOT_FOUND');
    expect(unknown.body.error.requestId).toBeTruthy();

    const big = await fetch(`${p.url}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: 'big@test.tiketi',
        password: 'long-enough-1',
        name: 'x'.repeat(2 * 1024 * 1024),
      }),
    });
    expect(big.status).toBe(413);
    const bigBody = (await big.json()) as { error: { code: string; requestId: string } };
    expect(bigBody.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(bigBody.error.requestId).toBeTruthy();
  });

  it('carries the request id from the client through the gateway to the service and back', async () => {
    const requestId = `it-${Date.now()}`;
    const res = await p.api('POST', '/api/auth/login', {
      body: { email: 'nobody@test.tiketi', password: 'wrong-password-1' },
      headers: { 'x-request-id': requestId },
    });
    expect(res.status).toBe(401);
    // The body is written by the auth service: it saw the same id the gateway logged.
    expect(res.body.error.requestId).toBe(requestId);
    expect(res.headers.get('x-request-id')).toBe(requestId);

    const generated = await p.api('GET', '/api/events/evt_missing');
    const id = generated.headers.get('x-request-id');
    expect(id).toBeTruthy();
    expect(generated.body.error.requestId).toBe(id);
  });
});
