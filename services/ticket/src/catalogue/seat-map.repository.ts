import { sql, type Transaction } from 'kysely';
import { AppError, newId } from '@tiketi/platform';
import type { ExpandedSeat, ExpandedSection } from './layout.service';
import { insertSeats, type SeatInsert } from './seat.repository';

/**
 * Replaces an event's seat map with a new layout inside the caller's transaction. Seats keep their
 * id when their label survives; held and sold seats must survive unchanged (same section, row,
 * number and price) or the whole edit is refused with 409 LAYOUT_SEATS_SOLD.
 */
export async function replaceSeatMap(
  trx: Transaction<any>,
  eventId: string,
  sections: ExpandedSection[],
): Promise<number> {
  const db = trx.withSchema('ticket');
  const existing = await db
    .selectFrom('seats as s')
    .innerJoin('sections as c', 'c.id', 's.section_id')
    .select(['s.id', 's.label', 's.status', 's.price', 's.row_label', 's.number', 'c.name as section'])
    .where('s.event_id', '=', eventId)
    .execute();
  const next = new Map<string, { section: ExpandedSection; seat: ExpandedSeat }>();
  for (const section of sections) for (const seat of section.seats) next.set(seat.label, { section, seat });

  const conflicts = existing
    .filter((s) => s.status === 'held' || s.status === 'sold')
    .filter((s) => {
      const n = next.get(s.label);
      return (
        !n ||
        n.section.name !== s.section ||
        n.seat.price !== s.price ||
        n.seat.row !== s.row_label ||
        n.seat.number !== s.number ||
        n.seat.blocked
      );
    })
    .map((s) => s.label);
  if (conflicts.length > 0) {
    throw AppError.conflict(
      'LAYOUT_SEATS_SOLD',
      `The new layout changes or removes ${conflicts.length} sold or held seat(s)`,
      {
        seats: conflicts.slice(0, 50),
      },
    );
  }

  const existingSections = await db
    .selectFrom('sections')
    .select(['id', 'name'])
    .where('event_id', '=', eventId)
    .execute();
  const sectionIds = new Map(existingSections.map((s) => [s.name as string, s.id as string]));
  const keep = new Set<string>();
  for (const section of sections) {
    const values = {
      name: section.name,
      price: section.price,
      color: section.color,
      kind: section.kind,
      capacity: section.capacity,
      sort: section.sort,
    };
    const id = sectionIds.get(section.name);
    if (id) {
      await db.updateTable('sections').set(values).where('id', '=', id).execute();
      keep.add(id);
    } else {
      const created = newId('sec');
      await db
        .insertInto('sections')
        .values({ id: created, event_id: eventId, ...values })
        .execute();
      sectionIds.set(section.name, created);
      keep.add(created);
    }
  }

  const byLabel = new Map(existing.map((s) => [s.label as string, s]));
  const removed = existing.filter((s) => !next.has(s.label)).map((s) => s.id as string);
  if (removed.length > 0) {
    await sql`delete from ${sql.table('ticket.seats')} where id = any(${removed}::text[]) and status in ('available', 'blocked')`.execute(
      trx,
    );
  }

  const updates: SeatInsert[] = [];
  const inserts: SeatInsert[] = [];
  for (const { section, seat } of next.values()) {
    const row: SeatInsert = {
      id: byLabel.get(seat.label)?.id,
      sectionId: sectionIds.get(section.name)!,
      row: seat.row,
      number: seat.number,
      label: seat.label,
      price: seat.price,
      x: seat.x,
      y: seat.y,
      accessible: seat.accessible,
      companion: seat.companion,
      status: seat.blocked ? 'blocked' : 'available',
      sort: seat.sort,
    };
    (row.id ? updates : inserts).push(row);
  }
  if (updates.length > 0) {
    const col = <T>(pick: (s: SeatInsert) => T) => updates.map(pick);
    // Held and sold seats keep their status: booking owns it.
    await sql`
      update ${sql.table('ticket.seats')} as s set
        section_id = t.section_id, row_label = t.row_label, number = t.number, price = t.price, x = t.x, y = t.y,
        accessible = t.accessible, companion = t.companion, sort = t.sort,
        status = case when s.status in ('available', 'blocked') then t.status else s.status end
      from unnest(
        ${col((s) => s.id!)}::text[], ${col((s) => s.sectionId)}::text[], ${col((s) => s.row)}::text[], ${col((s) => s.number)}::int[],
        ${col((s) => s.price)}::int[], ${col((s) => s.x)}::real[], ${col((s) => s.y)}::real[], ${col((s) => s.accessible)}::boolean[],
        ${col((s) => s.companion)}::boolean[], ${col((s) => s.sort)}::int[], ${col((s) => s.status)}::text[]
      ) as t(id, section_id, row_label, number, price, x, y, accessible, companion, sort, status)
      where s.id = t.id
    `.execute(trx);
  }
  await insertSeats(trx, eventId, inserts);
  const stale = existingSections.map((s) => s.id as string).filter((id) => !keep.has(id));
  if (stale.length > 0) await db.deleteFrom('sections').where('id', 'in', stale).execute();
  return next.size;
}
