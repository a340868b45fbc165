import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestIssuer, type TestIssuer, type TestService } from '@tiketi/testing';
import type { GatewayConfig } from './gateway.config';
import { startGatewayOver } from './testing/gateway.testkit';
import { startEchoUpstream, type FakeUpstream } from './testing/upstreams.fake';

/**
 * GATEWAY_HOLDS_IN_FLIGHT: holds beyond the limit wait at the gateway in arrival order, while
 * every other request goes straight through; a hold whose client gives up leaves the line.
 */
describe('holds in flight at the gateway', () => {
  let ticket: FakeUpstream;
  let payment: FakeUpstream;
  let gateway: TestService<GatewayConfig>;
  let issuer: TestIssuer;
  const held: Array<{ seat: string; release: () => void }> = [];
  const arrived: string[] = [];

  beforeAll(async () => {
    ticket = await startEchoUpstream('ticket', (app) => {
      app.post('/api/tickets/book', async (request) => {
        const seat = JSON.parse(String(request.body)).seatIds[0] as string;
        arrived.push(seat);
        await new Promise<void>((release) => held.push({ seat, release }));
        return { held: seat };
      });
    });
    payment = await startEchoUpstream('payment');
    issuer = await createTestIssuer();
    gateway = await startGatewayOver(
      issuer,
      { ticket: ticket.url, payment: payment.url },
      { GATEWAY_HOLDS_IN_FLIGHT: '2' },
    );
  });
  afterAll(async () => {
    for (const h of held) h.release();
    await gateway?.close();
    await Promise.all([ticket?.close(), payment?.close()]);
  });

  const until = async (check: () => boolean) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(check()).toBe(true);
  };

  it('lets two holds through, queues the rest in order, and never holds up a confirm', async () => {
    const buyer = await issuer.user('user');
    const book = (seat: string, signal?: AbortSignal) =>
      fetch(`${gateway.url}/api/tickets/book`, {
        method: 'POST',
        headers: { ...buyer.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ eventId: 'evt_1', seatIds: [seat] }),
        signal,
      });
    const first = book('s1');
    const second = book('s2');
    await until(() => arrived.length === 2);
    const third = book('s3');
    const gaveUp = new AbortController();
    const abandoned = book('s4', gaveUp.signal).catch(() => 'aborted');
    const fifth = book('s5');
    await new Promise((r) => setTimeout(r, 100));
    expect(arrived).toEqual(['s1', 's2']);

    // Anything else passes the waiting holds.
    const confirm = await fetch(`${gateway.url}/api/payments/confirm`, {
      method: 'POST',
      headers: { ...buyer.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ orderId: 'ord_1' }),
    });
    expect(confirm.status).toBe(200);

    gaveUp.abort();
    expect(await abandoned).toBe('aborted');
    held.find((h) => h.seat === 's2')!.release();
    expect(((await (await second).json()) as { held: string }).held).toBe('s2');
    await until(() => arrived.length === 3);
    expect(arrived).toEqual(['s1', 's2', 's3']);
    held.find((h) => h.seat === 's1')!.release();
    await until(() => arrived.length === 4);
    // The abandoned hold left the line: it never reached the service.
    expect(arrived).toEqual(['s1', 's2', 's3', 's5']);
    for (const h of held) h.release();
    for (const res of [await first, await third, await fifth]) expect(res.status).toBe(200);
    // s3 and s5 waited for a slot at least the 100 ms above; /metrics says how long holds waited.
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    const waited = Number(
      /http_request_spent_seconds_total\{[^}]*route="\/api\/tickets\/\*"[^}]*part="slot_wait"[^}]*\} ([0-9.e-]+)/.exec(
        metrics,
      )?.[1],
    );
    expect(waited).toBeGreaterThanOrEqual(0.2);
  });
});
