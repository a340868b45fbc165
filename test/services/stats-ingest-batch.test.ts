import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { newId, type EventEnvelope } from '@tiketi/platform';
import { startTestService, type TestService } from '@tiketi/testing';
import { statsService, type StatsConfig } from '@tiketi/stats';
import { ingestBatch } from '../../services/stats/src/projection/stats.ingest';
import { project } from '../../services/stats/src/projection/stats.projector';
import { envelope, paymentFacts, reservationFacts, type ReservationShape } from './stats.fixtures';

/** The stats consumer applies what the bus read together in one transaction (ingestBatch). */
describe('stats: a batch of facts', () => {
  let svc: TestService<StatsConfig>;
  beforeAll(async () => {
    svc = await startTestService(statsService);
  });
  afterAll(async () => {
    await svc?.close();
  });

  const shape = () => ({
    reservationId: newId('rsv'),
    eventId: newId('evt'),
    userId: newId('usr'),
    seatCount: 2,
    amount: 80_000,
  });
  const held = async (reservationId: string) =>
    (await svc.ctx.db
      .selectFrom('reservations')
      .select(['seat_count', 'status'])
      .where('reservation_id', '=', reservationId)
      .executeTakeFirst()) ?? null;
  const historyCount = async (ids: string[]) =>
    Number(
      (
        await svc.ctx.db
          .selectFrom('event_history')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('id', 'in', ids)
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('applies each new fact once, keeps a malformed one in the history uncounted, and skips repeats', async () => {
    const a = shape();
    const b = shape();
    const aHeld = reservationFacts(a).held(new Date().toISOString());
    const bHeld = reservationFacts(b).held(new Date().toISOString());
    const broken = {
      ...envelope('reservation.held', { ...reservationFacts(shape()).held(new Date().toISOString()).data }),
      data: { nonsense: true },
    } as EventEnvelope;

    const first = await ingestBatch(svc.ctx.db, 'batch-test', [aHeld, broken, aHeld, bHeld]);
    expect(first.applied.map((e) => e.id)).toEqual([aHeld.id, bHeld.id]);
    expect(first.malformed.map((e) => e.id)).toEqual([broken.id]);
    expect(await held(a.reservationId)).toEqual({ seat_count: 2, status: 'pending' });
    expect(await historyCount([aHeld.id, bHeld.id, broken.id])).toBe(3);

    // Delivered again, alone or among new facts: only the new one counts.
    const aConfirmed = reservationFacts(a).confirmed(new Date().toISOString(), newId('pay'));
    const again = await ingestBatch(svc.ctx.db, 'batch-test', [bHeld, aConfirmed, aHeld]);
    expect(again.applied.map((e) => e.id)).toEqual([aConfirmed.id]);
    expect(again.malformed).toEqual([]);
    expect((await held(a.reservationId))?.status).toBe('confirmed');
    // Another consumer group records its own processing, but the shared history is not counted twice.
    expect((await ingestBatch(svc.ctx.db, 'batch-test-2', [bHeld])).applied).toEqual([]);
  });

  it('writes a batch of facts about the same reservations and sales as it writes them one by one', async () => {
    // Each reservation's life, twice over: one copy goes in as one shuffled batch, the other fact
    // by fact in the order given. Several facts about one row cannot share a statement, so the
    // batch needs as many rounds as its busiest reservation has facts; its payments (one paid
    // twice) and sales share a statement each.
    const at = (s: number) => new Date(Date.UTC(2026, 11, 3, 12, 0, s)).toISOString();
    const lives = (r: ReservationShape) => {
      const f = reservationFacts(r);
      const payment = paymentFacts(r, newId('pay'), 'card');
      return [
        f.held(at(1)),
        payment.paid(at(2)),
        payment.paid(at(2)),
        f.confirmed(at(3)),
        f.refunded(at(4), 40_000, [newId('seat')]),
        payment.refunded(at(4), 40_000, 40_000, true),
        f.refunded(at(5), 40_000),
      ];
    };
    const shared = newId('evt');
    const batchShapes = [
      shape(),
      { ...shape(), eventId: shared },
      { ...shape(), eventId: shared, seatCount: 4, amount: 160_000 },
    ];
    const twin = newId('evt');
    const oneByOneShapes = batchShapes.map((b, i) => ({
      ...b,
      reservationId: newId('rsv'),
      eventId: i === 0 ? newId('evt') : twin,
    }));
    const lengths = [4, 6, 7];
    const facts = batchShapes.flatMap((r, i) => lives(r).slice(0, lengths[i]));
    // A fixed shuffle: late facts first, the holds last.
    const shuffled = facts
      .map((e, i) => ({ e, k: (i * 7) % facts.length }))
      .sort((a, b) => a.k - b.k)
      .map((x) => x.e);
    expect((await ingestBatch(svc.ctx.db, 'batch-merge', [...shuffled].reverse())).applied).toHaveLength(
      facts.length,
    );
    for (const [i, r] of oneByOneShapes.entries()) {
      for (const event of lives(r).slice(0, lengths[i])) await project(svc.ctx.db, event);
    }
    const rowOf = async (reservationId: string) => {
      const row = await svc.ctx.db
        .selectFrom('reservations')
        .select([
          'seat_count',
          'amount',
          'status',
          'status_rank',
          'held',
          'converted',
          'created_at',
          'refunded_seats',
        ])
        .where('reservation_id', '=', reservationId)
        .executeTakeFirstOrThrow();
      return { ...row, created_at: new Date(row.created_at as string | Date).toISOString() };
    };
    const batched = await Promise.all(batchShapes.map((r) => rowOf(r.reservationId)));
    expect(batched).toEqual(await Promise.all(oneByOneShapes.map((r) => rowOf(r.reservationId))));
    expect(batched.map((r) => r.status)).toEqual(['confirmed', 'partially_refunded', 'refunded']);
    expect(batched.map((r) => r.refunded_seats)).toEqual([0, 1, 1]);
    const salesOf = async (eventId: string) =>
      (
        await svc.ctx.db
          .selectFrom('sales_hourly')
          .select(['method', 'revenue', 'sales', 'refunds', 'refund_count'])
          .where('event_id', '=', eventId)
          .execute()
      ).map((r) =>
        Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k === 'method' ? v : Number(v)])),
      );
    for (const [i, r] of batchShapes.entries())
      expect(await salesOf(r.eventId)).toEqual(await salesOf(oneByOneShapes[i]!.eventId));
    // Each payment counted once (one was paid twice); the shared event has both sales and both refunds.
    expect(await salesOf(shared)).toEqual([
      { method: 'card', revenue: 240_000, sales: 2, refunds: 80_000, refund_count: 2 },
    ]);
  });

  it('writes nothing of a batch in which one fact fails', async () => {
    const c = shape();
    const cHeld = reservationFacts(c).held(new Date().toISOString());
    // A fact that passes its contract but that the database refuses (a constraint added for the test).
    const refused = reservationFacts({ ...shape(), amount: 777 }).held(new Date().toISOString());
    await sql`alter table ${sql.table('stats.reservations')} add constraint test_refuses_777 check (amount <> 777)`.execute(
      svc.ctx.db,
    );
    try {
      await expect(ingestBatch(svc.ctx.db, 'batch-fail', [cHeld, refused])).rejects.toThrow(
        /test_refuses_777/,
      );
    } finally {
      await sql`alter table ${sql.table('stats.reservations')} drop constraint test_refuses_777`.execute(
        svc.ctx.db,
      );
    }
    expect(await held(c.reservationId)).toBeNull();
    expect(await historyCount([cHeld.id, refused.id])).toBe(0);
    // Alone, the good fact goes in.
    expect((await ingestBatch(svc.ctx.db, 'batch-fail', [cHeld])).applied.map((e) => e.id)).toEqual([
      cHeld.id,
    ]);
  });

  it("writes a waiting room's admissions together, keeping a buyer's earliest, as one by one does", async () => {
    const at = (s: number) => new Date(Date.UTC(2026, 11, 3, 12, 0, s)).toISOString();
    const admissions = (eventId: string, users: string[]) => [
      ...users.map((userId) => envelope('queue.admitted', { eventId, userId, occurredAt: at(10) })),
      // The first buyer's earlier admission, delivered after the later one.
      envelope('queue.admitted', { eventId, userId: users[0]!, occurredAt: at(5) }),
    ];
    const users = Array.from({ length: 300 }, () => newId('usr'));
    const [batched, oneByOne] = [newId('evt'), newId('evt')];
    let statements = 0;
    const counted = svc.ctx.db.withPlugin({
      transformQuery: (args) => {
        statements += 1;
        return args.node;
      },
      transformResult: async (args) => args.result,
    });
    const result = await ingestBatch(counted, 'batch-admissions', admissions(batched, users));
    expect(result.applied).toHaveLength(301);
    // A statement per admission made a room letting 5,000 in a second cost stats as many.
    expect(statements).toBeLessThan(10);
    for (const event of admissions(oneByOne, users)) await project(svc.ctx.db, event);
    const rowsOf = async (eventId: string) =>
      (
        await svc.ctx.db
          .selectFrom('queue_admissions')
          .select(['user_id', 'admitted_at'])
          .where('event_id', '=', eventId)
          .orderBy('user_id')
          .execute()
      ).map((r) => ({ user: r.user_id, at: new Date(r.admitted_at as string | Date).toISOString() }));
    const rows = await rowsOf(batched);
    expect(rows).toHaveLength(300);
    expect(rows.find((r) => r.user === users[0])?.at).toBe(at(5));
    expect(rows).toEqual(await rowsOf(oneByOne));
  });
});
