import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTERNAL_TOKEN_HEADER } from '@tiketi/platform';
import { eventually } from '@tiketi/testing';
import { startTestPlatform, type Session, type TestPlatform } from '../support/platform';
import { hold, onSaleEvent, paySandbox } from './admin.flow';

/** End to end: two real purchases and one refund, then every dashboard figure from the events they produced. */
let tp: TestPlatform;
let admin: Session;
let eventId: string;
let startedOn: string;
const seoulDate = (at: Date) => new Date(at.getTime() + 9 * 3_600_000).toISOString().slice(0, 10);

beforeAll(async () => {
  tp = await startTestPlatform();
  startedOn = seoulDate(new Date());
  admin = await tp.admin();
  const first = await tp.register({ name: 'First Buyer' });
  const second = await tp.register({ name: 'Second Buyer' });
  eventId = await onSaleEvent(tp, admin, 'Stats Flow Live', 4, 100_000);
  const a = await hold(tp, first, eventId, 2);
  await paySandbox(tp, first, a.id);
  const b = await hold(tp, second, eventId, 1);
  await paySandbox(tp, second, b.id);
  const cancelled = await tp.api('PATCH', `/api/admin/reservations/${b.id}`, {
    token: admin.accessToken,
    body: { status: 'cancelled', reason: 'refund test' },
  });
  expect(cancelled.body.reservation?.status, JSON.stringify(cancelled.body)).toBe('refunded');
});

afterAll(async () => {
  await tp?.close();
});

const dashboard = async () => {
  const res = await tp.api('GET', '/api/stats/dashboard', { token: admin.accessToken });
  expect(res.status).toBe(200);
  return res.body;
};

describe('stats from a real purchase flow', () => {
  it('shows exact revenue, refund, method and reservation figures', async () => {
    const d = await eventually(async () => {
      const body = await dashboard();
      expect(body.revenue.refundsTotal).toBe(100_000);
      expect(body.reservations.cancelled).toBe(1);
      return body;
    }, 20_000);
    expect(d.revenue).toMatchObject({ total: 200_000, grossTotal: 300_000, refundsTotal: 100_000 });
    // "Today" is the Seoul day; only a run straddling Seoul midnight may split the figures.
    if (seoulDate(new Date()) === startedOn) {
      expect(d.revenue).toMatchObject({ today: 200_000, grossToday: 300_000, refundsToday: 100_000 });
      expect(d.reservations.today).toBe(2);
      const hours = d.hourly.filter((h: { revenue: number }) => h.revenue > 0);
      expect(hours.reduce((sum: number, h: { revenue: number }) => sum + h.revenue, 0)).toBe(300_000);
    }
    expect(d.byPaymentMethod).toEqual([{ method: 'sandbox', count: 2, amount: 200_000, refunds: 100_000 }]);
    expect(d.reservations).toMatchObject({
      total: 2,
      confirmed: 1,
      cancelled: 1,
      expired: 0,
      byStatus: { confirmed: 1, refunded: 1 },
    });
    expect(d.conversionRate).toBe(1);
    expect(d.topEvents).toEqual([{ eventId, title: 'Stats Flow Live', seatsSold: 2, revenue: 200_000 }]);

    const events = await tp.api('GET', '/api/stats/events', { token: admin.accessToken });
    expect(events.body.items.find((e: { eventId: string }) => e.eventId === eventId)).toMatchObject({
      title: 'Stats Flow Live',
      seatsTotal: 4,
      seatsSold: 2,
      seatsHeld: 0,
      seatsAvailable: 2,
      revenue: 200_000,
      refunds: 100_000,
      conversionRate: 1,
    });
    const users = await tp.api('GET', '/api/stats/users', { token: admin.accessToken });
    expect(users.body.total).toBeGreaterThanOrEqual(2);
  });

  it('reproduces the same figures after a rebuild, and reports them as business metrics', async () => {
    const before = await dashboard();
    const rebuilt = await fetch(`${tp.platform.urls.stats}/internal/stats/rebuild`, {
      method: 'POST',
      headers: { [INTERNAL_TOKEN_HEADER]: tp.platform.services.stats!.ctx.config.INTERNAL_TOKEN },
    });
    expect(rebuilt.status).toBe(200);
    const { generatedAt: _a, ...after } = await dashboard();
    const { generatedAt: _b, ...expected } = before;
    expect(after).toEqual(expected);

    const metrics = await (await fetch(`${tp.platform.urls.stats}/metrics`)).text();
    expect(metrics).toContain(`tiketi_seats_available{event_id="${eventId}",service="stats"} 2`);
    expect(metrics).toMatch(/^tiketi_conversion_rate\{service="stats"\} 1$/m);
    expect(metrics).toMatch(/^tiketi_reservations_total\{status="confirmed",service="stats"\} 2$/m);
    if (seoulDate(new Date()) === startedOn)
      expect(metrics).toMatch(/^tiketi_daily_revenue\{service="stats"\} 200000$/m);
  });

  it('streams the dashboard through the gateway as server-sent events', async () => {
    const res = await fetch(`${tp.url}/api/stats/live?access_token=${admin.accessToken}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (
      !text.includes('event: dashboard\ndata: ') ||
      !text.slice(text.indexOf('event: dashboard')).includes('\n\n')
    ) {
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended');
      text += decoder.decode(value, { stream: true });
    }
    await reader.cancel();
    const message = text.slice(text.indexOf('event: dashboard'));
    const data = JSON.parse(
      message
        .split('\n')
        .find((l) => l.startsWith('data: '))!
        .slice(6),
    );
    expect(data.byPaymentMethod).toEqual([
      { method: 'sandbox', count: 2, amount: 200_000, refunds: 100_000 },
    ]);
  });
});
