import type { Kysely, Transaction } from 'kysely';
import { sql } from 'kysely';

type Db = Kysely<any> | Transaction<any>;

export interface VenueRow {
  id: string;
  name: string;
  address: string;
  layout: unknown;
  seats_total: number;
  created_at: Date;
  updated_at: Date;
}

export async function findVenue(db: Db, id: string): Promise<VenueRow | null> {
  const row = await db
    .withSchema('ticket')
    .selectFrom('venues')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  return (row as VenueRow | undefined) ?? null;
}

export async function listVenues(db: Db): Promise<VenueRow[]> {
  return (await db
    .withSchema('ticket')
    .selectFrom('venues')
    .selectAll()
    .orderBy('name')
    .orderBy('id')
    .execute()) as VenueRow[];
}

export async function insertVenue(
  db: Db,
  values: Omit<VenueRow, 'created_at' | 'updated_at' | 'layout'> & { layout: string },
): Promise<void> {
  await db.withSchema('ticket').insertInto('venues').values(values).execute();
}

export async function updateVenue(db: Db, id: string, values: Record<string, unknown>): Promise<boolean> {
  const result = await db
    .withSchema('ticket')
    .updateTable('venues')
    .set({ ...values, updated_at: sql`now()` })
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function deleteVenue(db: Db, id: string): Promise<boolean> {
  // Events keep their own copy of the layout; they only lose the link to the template.
  await db
    .withSchema('ticket')
    .updateTable('events')
    .set({ venue_id: null })
    .where('venue_id', '=', id)
    .execute();
  const result = await db.withSchema('ticket').deleteFrom('venues').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
