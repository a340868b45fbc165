import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { newId, type EventEnvelope } from '@tiketi/platform';
import { startTestService, type TestService } from '@tiketi/testing';
import { statsService, type StatsConfig } from '@tiketi/stats';
import { ingestBatch } from '../../services/stats/src/projection/stats.ingest';
import { envelope, reservationFacts } from './stats.fixtures';

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
});
