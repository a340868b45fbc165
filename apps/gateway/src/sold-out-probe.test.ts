import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestIssuer, type TestIssuer, type TestService } from '@tiketi/testing';
import { SOLD_OUT_HEADER } from '@tiketi/contracts';
import type { GatewayConfig } from './gateway.config';
import { startGatewayOver } from './testing/gateway.testkit';
import { startEchoUpstream, type FakeUpstream } from './testing/upstreams.fake';

// Long enough that the crowd below reaches the gateway well within a tenth of it (the re-probe time).
const MOMENT_MS = 4_000;

/**
 * ADR 0009 with its probe: while an event is known sold out, the edge answers its holds; in the
 * moment's last quarter one hold goes to the stand-in ticket service (the others are still
 * answered at the edge), and that answer renews the moment or, without the sold-out header, ends it.
 */
describe('the sold-out edge renews what it knows with one probe', () => {
  let ticket: FakeUpstream;
  let gateway: TestService<GatewayConfig>;
  let issuer: TestIssuer;
  let soldOut = true;
  let arrived = 0;
  let gate: Promise<void> | null = null;
  // Set while the stand-in holds its answers: a failed assertion must not leave the crowd hanging
  // (closing the gateway waits for them).
  let release: (() => void) | null = null;

  beforeAll(async () => {
    ticket = await startEchoUpstream('ticket', (app) => {
      app.post('/api/tickets/book', async (_request, reply) => {
        arrived += 1;
        if (gate) await gate;
        if (!soldOut) return reply.code(201).send({ reservation: { id: `rsv_${arrived}` } });
        return reply
          .code(409)
          .header(SOLD_OUT_HEADER, 'event=evt_1; seat-limit=4')
          .send({ error: { code: 'SEAT_UNAVAILABLE', message: 'This event is sold out' } });
      });
    });
    issuer = await createTestIssuer();
    gateway = await startGatewayOver(
      issuer,
      { ticket: ticket.url },
      { GATEWAY_SOLD_OUT_MS: String(MOMENT_MS) },
    );
  });
  afterAll(async () => {
    release?.();
    await gateway?.close();
    await ticket?.close();
  });

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const hold = async (headers: Record<string, string>) => {
    const res = await fetch(`${gateway.url}/api/tickets/book`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ eventId: 'evt_1', quantity: 1 }),
    });
    const body = (await res.json()) as { error?: { details?: { soldOut?: boolean } } };
    return { status: res.status, atEdge: body.error?.details?.soldOut === true };
  };

  it('answers the crowd at the edge while the one probe is with the service, then stops at once when a seat comes back', async () => {
    const buyer = await issuer.user('user');
    expect(await hold(buyer.headers)).toEqual({ status: 409, atEdge: false });
    const learnedAt = Date.now();
    expect(arrived).toBe(1);
    for (let i = 0; i < 5; i++) expect(await hold(buyer.headers)).toEqual({ status: 409, atEdge: true });
    expect(arrived).toBe(1);

    // Into the last quarter: the service keeps the probe until the rest have their answers.
    await sleep(learnedAt + MOMENT_MS * 0.8 - Date.now());
    gate = new Promise<void>((r) => (release = r));
    const crowd = Array.from({ length: 10 }, () => hold(buyer.headers));
    const answered: Array<{ status: number; atEdge: boolean }> = [];
    for (const h of crowd) void h.then((a) => answered.push(a));
    for (let i = 0; i < 500 && answered.length < 9; i++) await sleep(10);
    expect(answered).toHaveLength(9);
    expect(answered.every((a) => a.status === 409 && a.atEdge)).toBe(true);
    expect(arrived).toBe(2);
    release!();
    gate = null;
    const probe = (await Promise.all(crowd)).find((a) => !a.atEdge);
    expect(probe).toEqual({ status: 409, atEdge: false });
    const renewedAt = Date.now();

    // Past the first moment's end, the renewed one still answers at the edge.
    await sleep(learnedAt + MOMENT_MS + 100 - Date.now());
    expect(await hold(buyer.headers)).toEqual({ status: 409, atEdge: true });
    expect(arrived).toBe(2);

    // A seat came back: the next probe is held, and from its answer on every hold goes through.
    soldOut = false;
    await sleep(renewedAt + MOMENT_MS * 0.8 - Date.now());
    expect(await hold(buyer.headers)).toEqual({ status: 201, atEdge: false });
    expect(await hold(buyer.headers)).toEqual({ status: 201, atEdge: false });
    expect(arrived).toBe(4);
  });
});
