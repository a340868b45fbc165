import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '@tiketi/platform';
import { startTestService, type TestService } from '@tiketi/testing';
import { statsService, type StatsConfig } from '@tiketi/stats';
import { paymentFacts } from './stats.fixtures';

const NOW = new Date('2026-11-25T05:00:00Z');
let svc: TestService<StatsConfig>;

beforeAll(async () => {
  svc = await startTestService(statsService, {
    listen: true,
    clock: { now: () => NOW },
    env: { STATS_LIVE_MIN_INTERVAL_MS: '50' },
  });
});

afterAll(async () => {
  await svc?.close();
});

/** Reads `event: dashboard` messages from a server-sent event stream. */
function dashboards(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    async next(): Promise<any> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = message.split('\n');
          if (lines.includes('event: dashboard'))
            return JSON.parse(lines.find((l) => l.startsWith('data: '))!.slice(6));
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buffer += decoder.decode(value, { stream: true });
      }
    },
    cancel: () => reader.cancel(),
  };
}

describe('live dashboard feed (server-sent events)', () => {
  it('sends the figures on connect and again when a payment changes them', async () => {
    const admin = await svc.issuer.user('admin');
    const res = await fetch(`${svc.url}/api/stats/live`, { headers: admin.headers });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const feed = dashboards(res.body!);
    const first = await feed.next();
    expect(first.revenue.total).toBe(0);

    const r = {
      reservationId: newId('rsv'),
      eventId: newId('evt'),
      userId: newId('usr'),
      seatCount: 2,
      amount: 88_000,
    };
    await svc.ctx.bus.publish(paymentFacts(r, newId('pay'), 'naverpay').paid(NOW.toISOString()));
    // The feed pushes whenever the figures change; wait for the push that carries this payment.
    let second = await feed.next();
    while (second.revenue.total === 0) second = await feed.next();
    expect(second.revenue).toMatchObject({ today: 88_000, total: 88_000 });
    expect(second.byPaymentMethod).toEqual([{ method: 'naverpay', count: 1, amount: 88_000, refunds: 0 }]);
    await feed.cancel();
  });

  it('accepts the token as ?access_token= (EventSource cannot send headers) and still requires an admin', async () => {
    const admin = await svc.issuer.user('admin');
    const ok = await fetch(`${svc.url}/api/stats/live?access_token=${admin.token}`);
    expect(ok.status).toBe(200);
    const feed = dashboards(ok.body!);
    expect((await feed.next()).reservations).toBeDefined();
    await feed.cancel();

    const buyer = await svc.issuer.user('user');
    const refused = await fetch(`${svc.url}/api/stats/live?access_token=${buyer.token}`);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('ADMIN_ONLY');
    const forged = await fetch(`${svc.url}/api/stats/live?access_token=not-a-token`);
    expect(forged.status).toBe(401);
  });
});
