import { afterAll, describe, expect, it } from 'vitest';
import { newId, type EventBus } from '@tiketi/platform';
import { createTestBus, eventually, startTestService, type TestService } from '@tiketi/testing';
import { statsService, type StatsConfig } from '@tiketi/stats';
import { envelope, paymentFacts } from './stats.fixtures';

let bus: EventBus | undefined;
let svc: TestService<StatsConfig> | undefined;

afterAll(async () => {
  await svc?.close();
  await bus?.close();
});

describe('stats service start', () => {
  it('counts facts published before it subscribed (services start one after another)', async () => {
    bus = await createTestBus();
    const eventId = newId('evt');
    const r = { reservationId: newId('rsv'), eventId, userId: newId('usr'), seatCount: 1, amount: 55_000 };
    await bus.publish(
      envelope(
        'event.published',
        { eventId, title: 'Early Bird', status: 'on_sale', startsAt: '2026-12-24T10:00:00Z', seatsTotal: 10 },
        '2026-11-20T00:00:00Z',
      ),
    );
    await bus.publish(paymentFacts(r, newId('pay'), 'toss').paid(new Date().toISOString()));

    svc = await startTestService(statsService, { bus });
    const admin = await svc.issuer.user('admin');
    await eventually(async () => {
      const res = await svc!.app.inject({ method: 'GET', url: '/api/stats/events', headers: admin.headers });
      expect(res.json().items).toEqual([
        expect.objectContaining({ eventId, title: 'Early Bird', seatsTotal: 10, revenue: 55_000 }),
      ]);
    }, 20_000);
  });
});
