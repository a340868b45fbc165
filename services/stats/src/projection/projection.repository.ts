import { sql, type Kysely, type Transaction } from 'kysely';
import type { EventEnvelope } from '@tiketi/platform';

type Db = Kysely<any> | Transaction<any>;

const t = (name: string) => sql.table(`stats.${name}`);

/** Stores many consumed envelopes at once; returns the ids that were new. */
export async function insertHistoryMany(
  db: Db,
  rows: Array<{ event: EventEnvelope; occurredAt: Date }>,
): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const inserted = await db
    .insertInto('event_history')
    .values(
      rows.map(({ event, occurredAt }) => ({
        id: event.id,
        type: event.type,
        source: event.source ?? 'unknown',
        occurred_at: occurredAt,
        envelope: JSON.stringify(event),
      })),
    )
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id')
    .execute();
  return new Set(inserted.map((r) => r.id as string));
}

export async function upsertUser(db: Db, userId: string, role: string, registeredAt: Date): Promise<void> {
  // Re-registration facts carry the same data; the earliest registration time wins either way.
  await sql`insert into ${t('users')} (user_id, role, registered_at) values (${userId}, ${role}, ${registeredAt})
    on conflict (user_id) do update set registered_at = least(${t('users')}.registered_at, excluded.registered_at)`.execute(
    db,
  );
}

export interface EventInfo {
  eventId: string;
  title: string;
  status: string;
  startsAt: string;
  seatsTotal: number;
  /** `<occurredAt ISO>|<envelope id>`: the newest description wins whatever the delivery order. */
  version: string;
}

export async function upsertEvent(db: Db, e: EventInfo): Promise<void> {
  await sql`insert into ${t('events')} (event_id, title, status, starts_at, seats_total, version)
    values (${e.eventId}, ${e.title}, ${e.status}, ${e.startsAt}, ${e.seatsTotal}, ${e.version})
    on conflict (event_id) do update set title = excluded.title, status = excluded.status, starts_at = excluded.starts_at,
      seats_total = excluded.seats_total, version = excluded.version
    where excluded.version > ${t('events')}.version`.execute(db);
}

export interface ReservationFact {
  reservationId: string;
  eventId: string;
  userId: string;
  /** 0 when this fact does not know the reservation's size (refunds, payments). */
  seatCount: number;
  amount: number;
  status: string;
  /** Lifecycle rank: the highest rank seen is the status, whatever the delivery order. */
  rank: number;
  version: string;
  /** This fact is the hold itself: its size and amount are authoritative. */
  held: boolean;
  converted: boolean;
  refundedSeats: number;
  at: Date;
}

/**
 * Merges facts into their reservations' rows (every column merges commutatively), one statement
 * per round: a statement may touch a row only once, so the
 * second fact about a reservation goes in the second round, and so on. Because every column
 * merges commutatively, the rounds give the same rows as the facts one by one, in any order.
 */
export async function mergeReservations(db: Db, facts: ReservationFact[]): Promise<void> {
  const rounds: ReservationFact[][] = [];
  const seen = new Map<string, number>();
  for (const f of facts) {
    const round = seen.get(f.reservationId) ?? 0;
    seen.set(f.reservationId, round + 1);
    (rounds[round] ??= []).push(f);
  }
  const r = t('reservations');
  for (const round of rounds) {
    const rows = round.map(
      (
        f,
      ) => sql`(${f.reservationId}, ${f.eventId}, ${f.userId}, ${f.seatCount}, ${f.amount}, ${f.status}, ${f.rank},
        ${f.version}, ${f.held}, ${f.converted}, ${f.at}, ${f.refundedSeats})`,
    );
    await sql`insert into ${r} (reservation_id, event_id, user_id, seat_count, amount, status, status_rank, status_version,
        held, converted, created_at, refunded_seats)
      values ${sql.join(rows)}
      on conflict (reservation_id) do update set
        seat_count = case when excluded.held then excluded.seat_count when ${r}.held then ${r}.seat_count
          else greatest(${r}.seat_count, excluded.seat_count) end,
        amount = case when excluded.held then excluded.amount when ${r}.held then ${r}.amount
          else greatest(${r}.amount, excluded.amount) end,
        status = case when (excluded.status_rank, excluded.status_version) > (${r}.status_rank, ${r}.status_version)
          then excluded.status else ${r}.status end,
        status_version = case when (excluded.status_rank, excluded.status_version) > (${r}.status_rank, ${r}.status_version)
          then excluded.status_version else ${r}.status_version end,
        status_rank = greatest(${r}.status_rank, excluded.status_rank),
        held = ${r}.held or excluded.held,
        converted = ${r}.converted or excluded.converted,
        created_at = least(${r}.created_at, excluded.created_at),
        refunded_seats = ${r}.refunded_seats + excluded.refunded_seats`.execute(db);
  }
}

export interface PaymentFact {
  paymentId: string;
  reservationId: string;
  eventId: string;
  method: string;
  amount: number;
  paidAt: Date;
}

export interface SalesDelta {
  hour: Date;
  eventId: string;
  method: string;
  revenue: number;
  sales: number;
  refunds: number;
  refundCount: number;
}

/** Rows per statement in `upsertAdmissions`: three parameters each. */
const ADMISSIONS_PER_STATEMENT = 1_000;

export interface AdmissionFact {
  eventId: string;
  userId: string;
  at: Date;
}

/**
 * Buyers let in by a waiting room, the earliest admission of each kept. Rows must name each
 * (event, buyer) once: one statement may not touch a row twice (ProjectionWrites merges them).
 */
export async function upsertAdmissions(db: Db, admissions: AdmissionFact[]): Promise<void> {
  const q = t('queue_admissions');
  for (let i = 0; i < admissions.length; i += ADMISSIONS_PER_STATEMENT) {
    const rows = admissions
      .slice(i, i + ADMISSIONS_PER_STATEMENT)
      .map((a) => sql`(${a.eventId}, ${a.userId}, ${a.at})`);
    await sql`insert into ${q} (event_id, user_id, admitted_at) values ${sql.join(rows)}
      on conflict (event_id, user_id) do update set admitted_at = least(${q}.admitted_at, excluded.admitted_at)`.execute(
      db,
    );
  }
}

export interface AuditEntry {
  id: string;
  actorId: string;
  actorEmail: string | null;
  action: string;
  targetType: string;
  targetId: string;
  before: unknown;
  after: unknown;
  source: string;
  occurredAt: Date;
}

export async function insertAudit(db: Db, a: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      id: a.id,
      actor_id: a.actorId,
      actor_email: a.actorEmail,
      action: a.action,
      target_type: a.targetType,
      target_id: a.targetId,
      before: a.before === undefined ? null : JSON.stringify(a.before),
      after: a.after === undefined ? null : JSON.stringify(a.after),
      source: a.source,
      occurred_at: a.occurredAt,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}
