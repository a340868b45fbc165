import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestIssuer, type TestIssuer, type TestService } from '@tiketi/testing';
import type { GatewayConfig } from './gateway.config';
import { startGatewayOver } from './testing/gateway.testkit';
import { startEchoUpstream, type FakeUpstream } from './testing/upstreams.fake';

/**
 * GATEWAY_HOLDS_IN_FLIGHT: while a payment is under way through the gateway, holds beyond the
 * limit wait there in arrival order and every other request goes straight through; a hold whose
 * client gives up leaves the line. With no payment under way (for the linger), holds are not held back.
 */
describe('holds in flight at the gateway', () => {
  let ticket: FakeUpstream;
  let payment: FakeUpstream;
  let gateway: TestService<GatewayConfig>;
  let issuer: TestIssuer;
  const held: Array<{ seat: string; release: () => void }> = [];
  const arrived: string[] = [];
  const paymentsOpen: Array<() => void> = [];

  beforeAll(async () => {
    ticket = await startEchoUpstream('ticket', (app) => {
      app.post('/api/tickets/book', async (request) => {
        const seat = JSON.parse(String(request.body)).seatIds[0] as string;
        arrived.push(seat);
        await new Promise<void>((release) => held.push({ seat, release }));
        return { held: seat };
      });
    });
    // A payment that stays under way until the test lets it finish.
    payment = await startEchoUpstream('payment', (app) => {
      app.post('/api/payments/create', async () => {
        await new Promise<void>((done) => paymentsOpen.push(done));
        return { created: true };
      });
    });
    issuer = await createTestIssuer();
    gateway = await startGatewayOver(
      issuer,
      { ticket: ticket.url, payment: payment.url },
      { GATEWAY_HOLDS_IN_FLIGHT: '2', GATEWAY_HOLDS_LIMIT_LINGER_MS: '150' },
    );
  });
  afterAll(async () => {
    for (const h of held) h.release();
    for (const done of paymentsOpen) done();
    await gateway?.close();
    await Promise.all([ticket?.close(), payment?.close()]);
  });

  const until = async (check: () => boolean) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(check()).toBe(true);
  };
  const releaseAll = () => {
    for (const h of held.splice(0)) h.release();
  };

  it('lets every hold through while nobody is paying', async () => {
    const buyer = await issuer.user('user');
    const books = ['f1', 'f2', 'f3', 'f4'].map((seat) =>
      fetch(`${gateway.url}/api/tickets/book`, {
        method: 'POST',
        headers: { ...buyer.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ eventId: 'evt_1', seatIds: [seat] }),
      }),
    );
    await until(() => arrived.length === 4);
    releaseAll();
    for (const res of await Promise.all(books)) expect(res.status).toBe(200);
    arrived.length = 0;
  });

  it('while a payment is under way: two holds through, the rest in order, never holding up a confirm', async () => {
    const buyer = await issuer.user('user');
    const book = (seat: string, signal?: AbortSignal) =>
      fetch(`${gateway.url}/api/tickets/book`, {
        method: 'POST',
        headers: { ...buyer.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ eventId: 'evt_1', seatIds: [seat] }),
        signal,
      });
    const paying = fetch(`${gateway.url}/api/payments/create`, {
      method: 'POST',
      headers: { ...buyer.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ reservationId: 'rsv_1' }),
    });
    await until(() => paymentsOpen.length === 1);

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
    // s1 and s3 are under way; s5 waits. The payment finishes, and once the linger has passed with
    // nobody paying, s5 goes through without a slot coming back.
    paymentsOpen.shift()!();
    expect((await paying).status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    expect(arrived).toEqual(['s1', 's2', 's3']);
    await until(() => arrived.length === 4);
    // The abandoned hold left the line: it never reached the service.
    expect(arrived).toEqual(['s1', 's2', 's3', 's5']);
    releaseAll();
    for (const res of [await first, await third, await fifth]) expect(res.status).toBe(200);
    // s3 and s5 waited for a slot at least the 100 ms above; /metrics says how long holds waited.
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    const waited = Number(
      /http_request_spent_seconds_total\{[^}]*route="\/api\/tickets\/\*"[^}]*part="slot_wait"[^}]*\} ([0-9.e-]+)/.exec(
        metrics,
      )?.[1],
    );
    expect(waited).toBeGreaterThanOrEqual(0.2);
    expect(metrics).toMatch(/gateway_holds_limited\{[^}]*\} 0/);
  });
});
