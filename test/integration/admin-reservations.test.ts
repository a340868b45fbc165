import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { eventually } from '@tiketi/testing';
import { startTestPlatform, type Session, type TestPlatform } from '../support/platform';
import { hold, onSaleEvent, paySandbox } from './admin.flow';

/** Operators' reservation management through the gateway: list, search, export, cancel with refund, audit. */
let tp: TestPlatform;
let admin: Session;
let buyer: Session;
let other: Session;
let eventId: string;
let pending: { id: string; amount: number };
let paid: { id: string; amount: number };

beforeAll(async () => {
  tp = await startTestPlatform();
  admin = await tp.admin();
  buyer = await tp.register({ name: 'Kim Minji' });
  other = await tp.register({ name: 'Lee Jun' });
  eventId = await onSaleEvent(tp, admin, 'Admin Night', 6, 120_000);
  pending = await hold(tp, buyer, eventId, 2);
  paid = await hold(tp, other, eventId, 1);
  await paySandbox(tp, other, paid.id);
});

afterAll(async () => {
  await tp?.close();
});

const list = async (query: string) => {
  const res = await tp.api('GET', `/api/admin/reservations?${query}`, { token: admin.accessToken });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { items: any[]; total: number; page: number; limit: number };
};

describe('admin reservations', () => {
  it('lists reservations with buyer, event, seats and payment method, newest first', async () => {
    const body = await eventually(async () => {
      const b = await list(`eventId=${eventId}`);
      expect(b.items.find((i) => i.id === paid.id)?.paymentMethod).toBe('sandbox');
      return b;
    }, 20_000);
    expect(body.total).toBe(2);
    expect(body.items.map((i) => i.id)).toEqual([paid.id, pending.id]);
    expect(body.items[1]).toMatchObject({
      id: pending.id,
      user: { id: buyer.user.id, email: buyer.user.email, name: 'Kim Minji' },
      event: { id: eventId, title: 'Admin Night' },
      amount: 240_000,
      status: 'pending',
      paymentMethod: null,
    });
    expect(body.items[1].seats).toHaveLength(2);
    expect(body.items[0]).toMatchObject({ status: 'confirmed', amount: 120_000 });
  });

  it('filters by status, buyer name, email, id, dates, and pages', async () => {
    expect((await list(`eventId=${eventId}&status=confirmed`)).items.map((i) => i.id)).toEqual([paid.id]);
    expect((await list(`eventId=${eventId}&q=minji`)).items.map((i) => i.id)).toEqual([pending.id]);
    expect(
      (await list(`q=${encodeURIComponent(other.user.email.toUpperCase())}`)).items.map((i) => i.id),
    ).toEqual([paid.id]);
    expect((await list(`q=${pending.id}`)).items.map((i) => i.id)).toEqual([pending.id]);
    expect((await list(`eventId=${eventId}&q=${encodeURIComponent('%')}`)).total).toBe(0);
    expect((await list(`eventId=${eventId}&from=2000-01-01&to=2000-01-02`)).total).toBe(0);
    const page2 = await list(`eventId=${eventId}&limit=1&page=2`);
    expect(page2).toMatchObject({ total: 2, page: 2, limit: 1 });
    expect(page2.items.map((i) => i.id)).toEqual([pending.id]);
    // Past the last page: no items, and still the total.
    expect(await list(`eventId=${eventId}&limit=1&page=5`)).toMatchObject({ items: [], total: 2, page: 5 });
    const bad = await tp.api('GET', '/api/admin/reservations?from=someday', { token: admin.accessToken });
    expect(bad.status).toBe(400);
  });

  it('exports the filtered list as CSV', async () => {
    const res = await tp.api('GET', `/api/admin/reservations.csv?eventId=${eventId}`, {
      token: admin.accessToken,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const lines = (res.body as string).trim().split('\r\n');
    expect(lines[0]).toBe(
      'id,createdAt,status,eventId,eventTitle,userId,userEmail,userName,seats,seatCount,amount,refundedAmount,paymentMethod',
    );
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain(`${paid.id},`);
    expect(lines[1]).toMatch(/,1,120000,0,sandbox$/);
    expect(lines[2]).toMatch(/,Kim Minji,.*,2,240000,0,$/);
  });

  it('starts both exports with a byte order mark, so a spreadsheet reads their Hangul as UTF-8', async () => {
    for (const path of [`/api/admin/reservations.csv?eventId=${eventId}`, '/api/stats/sales.csv']) {
      const res = await fetch(`${tp.url}${path}`, {
        headers: { authorization: `Bearer ${admin.accessToken}` },
      });
      expect(res.status, path).toBe(200);
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect([...bytes.subarray(0, 3)], path).toEqual([0xef, 0xbb, 0xbf]);
    }
  });

  it('refuses status changes that would break consistency (409)', async () => {
    for (const status of ['confirmed', 'expired', 'refunded']) {
      const res = await tp.api('PATCH', `/api/admin/reservations/${pending.id}`, {
        token: admin.accessToken,
        body: { status, reason: 'try' },
      });
      expect(res.status, status).toBe(409);
      expect(res.body.error.code).toBe('STATUS_CHANGE_REFUSED');
    }
    const missing = await tp.api('PATCH', '/api/admin/reservations/rsv_missing', {
      token: admin.accessToken,
      body: { status: 'cancelled', reason: 'x' },
    });
    expect(missing.status).toBe(404);
  });

  it('cancels a paid reservation with a full refund and a hold at once; both are audited', async () => {
    const refunded = await tp.api('PATCH', `/api/admin/reservations/${paid.id}`, {
      token: admin.accessToken,
      body: { status: 'cancelled', reason: 'duplicate order' },
    });
    expect(refunded.status, JSON.stringify(refunded.body)).toBe(200);
    expect(refunded.body.reservation).toMatchObject({
      id: paid.id,
      status: 'refunded',
      refundedAmount: 120_000,
    });

    const released = await tp.api('PATCH', `/api/admin/reservations/${pending.id}`, {
      token: admin.accessToken,
      body: { status: 'cancelled', reason: 'fraud check' },
    });
    expect(released.body.reservation).toMatchObject({
      id: pending.id,
      status: 'cancelled',
      refundedAmount: 0,
    });
    const again = await tp.api('PATCH', `/api/admin/reservations/${pending.id}`, {
      token: admin.accessToken,
      body: { status: 'cancelled', reason: 'again' },
    });
    expect(again.status).toBe(409);

    const seats = await tp.api('GET', `/api/events/${eventId}/seats`);
    expect(seats.body.seats.every((s: { status: string }) => s.status === 'available')).toBe(true);

    const audit = await eventually(async () => {
      const res = await tp.api('GET', `/api/admin/audit?action=reservation.cancel&targetType=reservation`, {
        token: admin.accessToken,
      });
      expect(res.body.total).toBe(2);
      return res.body;
    }, 20_000);
    const entry = audit.items.find((i: { targetId: string }) => i.targetId === paid.id);
    expect(entry).toMatchObject({
      actorId: admin.user.id,
      actorEmail: admin.user.email,
      before: { status: 'confirmed', refundedAmount: 0 },
      after: { status: 'refunded', refundedAmount: 120_000, reason: 'duplicate order', refund: 'full' },
    });
  });

  it('rolls the change back when its audit record cannot be written', async () => {
    const held = await hold(tp, buyer, eventId, 1);
    const ticketDb = tp.platform.services.ticket!.ctx.db as Kysely<any>;
    const paymentDb = tp.platform.services.payment!.ctx.db as Kysely<any>;
    const policyBefore = (
      await tp.api('GET', '/api/admin/payments/refund-policies', { token: admin.accessToken })
    ).body.items;
    await refuseAuditWrites(ticketDb, 'ticket');
    await refuseAuditWrites(paymentDb, 'payment');
    try {
      const cancel = await tp.api('PATCH', `/api/admin/reservations/${held.id}`, {
        token: admin.accessToken,
        body: { status: 'cancelled', reason: 'audit down' },
      });
      expect(cancel.status, JSON.stringify(cancel.body)).toBe(500);
      const standard = policyBefore.find((p: { id: string }) => p.id === 'standard');
      const policy = await tp.api('PUT', '/api/admin/payments/refund-policies/standard', {
        token: admin.accessToken,
        body: { name: 'Never saved', rules: { ...standard.rules, noRefundWithinDays: 3 } },
      });
      expect(policy.status, JSON.stringify(policy.body)).toBe(500);
    } finally {
      await allowAuditWrites(ticketDb, 'ticket');
      await allowAuditWrites(paymentDb, 'payment');
    }
    // Neither change happened: the hold and its seat are still there, the policy list is as it was.
    const [still] = (await list(`q=${held.id}`)).items;
    expect(still.status).toBe('pending');
    const seats = await tp.api('GET', `/api/events/${eventId}/seats`);
    expect(seats.body.seats.find((s: { id: string }) => s.id === held.seats[0]!.id).status).toBe('held');
    expect(
      (await tp.api('GET', '/api/admin/payments/refund-policies', { token: admin.accessToken })).body.items,
    ).toEqual(policyBefore);

    // With the audit log writable again, the same cancellation goes through with its record.
    const retried = await tp.api('PATCH', `/api/admin/reservations/${held.id}`, {
      token: admin.accessToken,
      body: { status: 'cancelled', reason: 'audit back' },
    });
    expect(retried.body.reservation).toMatchObject({ status: 'cancelled' });
    await eventually(async () => {
      const res = await tp.api('GET', `/api/admin/audit?action=reservation.cancel&targetId=${held.id}`, {
        token: admin.accessToken,
      });
      expect(res.body.items.map((i: { after: { reason: string } }) => i.after.reason)).toEqual([
        'audit back',
      ]);
    }, 20_000);
  });

  it('gives a buyer 403 on every admin route', async () => {
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/api/admin/reservations'],
      ['GET', '/api/admin/reservations.csv'],
      ['PATCH', `/api/admin/reservations/${pending.id}`, { status: 'cancelled', reason: 'x' }],
      ['GET', '/api/admin/audit'],
      ['GET', '/api/stats/dashboard'],
      ['GET', '/api/stats/sales'],
      ['GET', '/api/stats/sales.csv'],
      ['GET', '/api/stats/users'],
      ['GET', '/api/stats/events'],
    ];
    for (const [method, path, body] of routes) {
      const res = await tp.api(method, path, { token: buyer.accessToken, body });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
  });
});

/** Fault injection: the service's outbox refuses audit.recorded rows until allowAuditWrites. */
async function refuseAuditWrites(db: Kysely<any>, schema: string): Promise<void> {
  await sql
    .raw(
      `create or replace function ${schema}.refuse_audit() returns trigger language plpgsql as $$
       begin if new.type = 'audit.recorded' then raise exception 'audit log unavailable'; end if; return new; end $$`,
    )
    .execute(db);
  await sql
    .raw(
      `create trigger refuse_audit before insert on ${schema}.outbox for each row execute function ${schema}.refuse_audit()`,
    )
    .execute(db);
}

async function allowAuditWrites(db: Kysely<any>, schema: string): Promise<void> {
  await sql.raw(`drop trigger if exists refuse_audit on ${schema}.outbox`).execute(db);
  await sql.raw(`drop function if exists ${schema}.refuse_audit()`).execute(db);
}
