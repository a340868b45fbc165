import { sql, type Kysely } from 'kysely';
import type { ReservationStatus } from '@tiketi/contracts';

export interface AdminReservationFilter {
  id?: string;
  status?: ReservationStatus;
  eventId?: string;
  q?: string;
  from?: Date;
  to?: Date;
}

export interface AdminReservationRow {
  id: string;
  event_id: string;
  event_title: string;
  user_id: string;
  user_email: string;
  user_name: string;
  status: ReservationStatus;
  amount: number;
  refunded_amount: number;
  payment_id: string | null;
  method: string | null;
  created_at: Date | string;
}

export interface AdminSeatRow {
  reservation_id: string;
  seat_id: string;
  label: string;
  section: string;
  row_label: string;
  number: number;
  price: number;
  refunded: boolean;
  checked_in_at: Date | string | null;
}

const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

function filtered(db: Kysely<any>, f: AdminReservationFilter) {
  let query = db
    .selectFrom('reservations as r')
    .innerJoin('events as e', 'e.id', 'r.event_id')
    .leftJoin('reservation_payment_methods as pm', 'pm.reservation_id', 'r.id');
  if (f.id) query = query.where('r.id', '=', f.id);
  if (f.status) query = query.where('r.status', '=', f.status);
  if (f.eventId) query = query.where('r.event_id', '=', f.eventId);
  if (f.from) query = query.where('r.created_at', '>=', f.from);
  if (f.to) query = query.where('r.created_at', '<=', f.to);
  const q = f.q?.trim();
  if (q) {
    const pattern = likePattern(q);
    query = query.where((eb) =>
      eb.or([
        eb('r.id', '=', q),
        eb('r.user_email', 'ilike', pattern),
        eb('r.user_name', 'ilike', pattern),
        eb('r.id', 'ilike', pattern),
      ]),
    );
  }
  return query;
}

const COLUMNS = [
  'r.id',
  'r.event_id',
  'e.title as event_title',
  'r.user_id',
  'r.user_email',
  'r.user_name',
  'r.status',
  'r.amount',
  'r.refunded_amount',
  'r.payment_id',
  'pm.method',
  'r.created_at',
] as const;

/** Newest first, one page of them. */
function newestFirst(db: Kysely<any>, f: AdminReservationFilter, page: { offset: number; limit: number }) {
  return filtered(db, f)
    .orderBy('r.created_at', 'desc')
    .orderBy('r.id', 'desc')
    .limit(page.limit)
    .offset(page.offset);
}

/** Newest first. */
export async function listReservations(
  db: Kysely<any>,
  f: AdminReservationFilter,
  page: { offset: number; limit: number },
): Promise<AdminReservationRow[]> {
  return newestFirst(db, f, page).select(COLUMNS).execute() as Promise<AdminReservationRow[]>;
}

/**
 * A page and the total it belongs to, from one statement: read apart, a reservation committed
 * between the two reads was counted in the total but missing from the page.
 */
export async function pageOfReservations(
  db: Kysely<any>,
  f: AdminReservationFilter,
  page: { offset: number; limit: number },
): Promise<{ rows: AdminReservationRow[]; total: number }> {
  const rows = (await newestFirst(db, f, page)
    .select([...COLUMNS, sql<string>`count(*) over ()`.as('total_count')])
    .execute()) as Array<AdminReservationRow & { total_count: string }>;
  // Past the last page there is no row to carry the total.
  const total =
    rows.length > 0 ? Number(rows[0]!.total_count) : page.offset > 0 ? await countReservations(db, f) : 0;
  return { rows: rows.map(({ total_count: _, ...row }) => row), total };
}

export async function countReservations(db: Kysely<any>, f: AdminReservationFilter): Promise<number> {
  const row = await filtered(db, f)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function seatsOf(db: Kysely<any>, reservationIds: string[]): Promise<AdminSeatRow[]> {
  if (reservationIds.length === 0) return [];
  return db
    .selectFrom('reservation_seats')
    .select([
      'reservation_id',
      'seat_id',
      'label',
      'section',
      'row_label',
      'number',
      'price',
      'refunded',
      'checked_in_at',
    ])
    .where('reservation_id', 'in', reservationIds)
    .orderBy(sql`reservation_id, section, row_label, number, label`)
    .execute() as Promise<AdminSeatRow[]>;
}
