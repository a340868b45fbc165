import { sql, type Kysely, type Transaction } from 'kysely';
import type { EventListQuery, EventSummary } from './event.schemas';

type Db = Kysely<any> | Transaction<any>;

export const MAX_PAGE_SIZE = 100;
/** word_similarity above which a query term counts as a (typo-tolerant) match. */
const SIMILARITY = 0.45;
/** similarity above which an alias counts as the spelling the user meant. */
const ALIAS_SIMILARITY = 0.5;

export interface EventRow {
  id: string;
  title: string;
  description: string;
  category: string;
  artist: string;
  venue_id: string | null;
  venue_name: string;
  venue_address: string;
  starts_at: Date;
  ends_at: Date;
  sale_starts_at: Date;
  sale_ends_at: Date;
  poster_url: string | null;
  poster_thumb_url: string | null;
  status: string;
  seat_limit: number;
  hold_minutes: number;
  refund_policy_id: string;
  layout: unknown;
  layout_version: number;
  seats_total: number;
  published_at: Date | null;
  cancelled_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const iso = (d: Date | string) => new Date(d).toISOString();
const isoOrNull = (d: Date | string | null) => (d ? iso(d) : null);

export function toSummary(
  row: EventRow & { price_min: number | null; price_max: number | null; seats_available: number },
): EventSummary {
  return {
    id: row.id,
    title: row.title,
    category: row.category,
    artist: row.artist,
    venue: row.venue_name,
    venueAddress: row.venue_address,
    startsAt: iso(row.starts_at),
    endsAt: iso(row.ends_at),
    saleStartsAt: iso(row.sale_starts_at),
    saleEndsAt: iso(row.sale_ends_at),
    status: row.status,
    posterUrl: row.poster_url,
    posterThumbUrl: row.poster_thumb_url,
    priceMin: row.price_min === null ? null : Number(row.price_min),
    priceMax: row.price_max === null ? null : Number(row.price_max),
    seatsTotal: row.seats_total,
    seatsAvailable: Number(row.seats_available),
  };
}

export { isoOrNull, iso };

/** `%`, `_` and `\` are literal characters in a user's query, not LIKE wildcards. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

const aggregates = sql`
  (select min(price) from ${sql.table('ticket.sections')} c where c.event_id = e.id) as price_min,
  (select max(price) from ${sql.table('ticket.sections')} c where c.event_id = e.id) as price_max,
  (select count(*)::int from ${sql.table('ticket.seats')} s where s.event_id = e.id and s.status = 'available') as seats_available`;

export interface ListFilter extends EventListQuery {
  /** Statuses visible to this caller when no status filter is given. */
  statuses: string[];
  page: number;
  limit: number;
}

/**
 * Searches events. `q` is expanded with the alias table (the Korean and English spellings of one
 * artist or venue), then each term matches as a substring or by trigram word similarity, so
 * "아이유", "IU" and "seventen" all find what was meant. Values are bound parameters throughout.
 */
export async function listEvents(
  db: Db,
  filter: ListFilter,
): Promise<{ items: EventSummary[]; total: number }> {
  const q = filter.q?.trim().toLowerCase() ?? '';
  const where = [sql`e.status = any(${filter.status ? [filter.status] : filter.statuses}::text[])`];
  if (filter.category) where.push(sql`e.category = ${filter.category}`);
  if (filter.venue) {
    where.push(
      sql`(e.venue_id = ${filter.venue} or lower(e.venue_name) like ${`%${escapeLike(filter.venue.toLowerCase())}%`} escape '\\')`,
    );
  }
  if (filter.from) where.push(sql`e.starts_at >= ${new Date(filter.from)}`);
  if (filter.to) where.push(sql`e.starts_at <= ${new Date(filter.to)}`);

  // An alias counts when it is the query, is close to it, or has a word starting with it.
  const terms = sql`(
    select ${q}::text as t
    union select lower(a.name) from ${sql.table('ticket.aliases')} a
      where lower(a.alias) = ${q} or similarity(lower(a.alias), ${q}) >= ${ALIAS_SIMILARITY} or (length(${q}) >= 2 and (' ' || lower(a.alias)) like ${`% ${escapeLike(q)}%`} escape '\\')
    union select lower(a.alias) from ${sql.table('ticket.aliases')} a
      where lower(a.name) = ${q} or similarity(lower(a.name), ${q}) >= ${ALIAS_SIMILARITY} or (length(${q}) >= 2 and (' ' || lower(a.name)) like ${`% ${escapeLike(q)}%`} escape '\\')
  )`;
  const score = q
    ? sql`(select max(case when e.search_text like '%' || replace(replace(replace(t.t, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%' escape '\\' then 1.0
            else word_similarity(t.t, e.search_text) end) from ${terms} t)`
    : sql`0`;
  if (q) where.push(sql`${score} >= ${SIMILARITY}`);

  const order = (() => {
    switch (filter.sort ?? (q ? 'relevance' : 'date')) {
      case 'relevance':
        return sql`score desc, e.starts_at asc, e.id`;
      case 'date_desc':
        return sql`e.starts_at desc, e.id`;
      case 'sale':
        return sql`e.sale_starts_at asc, e.id`;
      case 'title':
        return sql`e.title asc, e.id`;
      case 'created':
        return sql`e.created_at desc, e.id`;
      default:
        return sql`e.starts_at asc, e.id`;
    }
  })();
  const whereSql = sql.join(where, sql` and `);
  const offset = (filter.page - 1) * filter.limit;
  const rows = await sql<
    EventRow & {
      price_min: number | null;
      price_max: number | null;
      seats_available: number;
      score: number;
      total: number;
    }
  >`
    select e.*, ${aggregates}, ${score} as score, count(*) over () as total
    from ${sql.table('ticket.events')} e
    where ${whereSql}
    order by ${order}
    limit ${filter.limit} offset ${offset}
  `.execute(db);
  let total = rows.rows.length > 0 ? Number(rows.rows[0]!.total) : 0;
  if (rows.rows.length === 0 && offset > 0) {
    const counted = await sql<{
      n: number;
    }>`select count(*)::int as n from ${sql.table('ticket.events')} e where ${whereSql}`.execute(db);
    total = Number(counted.rows[0]?.n ?? 0);
  }
  return { items: rows.rows.map(toSummary), total };
}

export async function findEvent(
  db: Db,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<EventRow | null> {
  let query = db.withSchema('ticket').selectFrom('events').selectAll().where('id', '=', id);
  if (options.forUpdate) query = query.forUpdate();
  return ((await query.executeTakeFirst()) as EventRow | undefined) ?? null;
}

export async function findEventSummary(
  db: Db,
  id: string,
): Promise<(EventSummary & { raw: EventRow }) | null> {
  const result = await sql<
    EventRow & { price_min: number | null; price_max: number | null; seats_available: number }
  >`
    select e.*, ${aggregates} from ${sql.table('ticket.events')} e where e.id = ${id}`.execute(db);
  const row = result.rows[0];
  return row ? { ...toSummary(row), raw: row } : null;
}

export async function listSections(db: Db, eventId: string) {
  const result = await sql<{
    id: string;
    name: string;
    price: number;
    color: string;
    kind: string;
    capacity: number | null;
    seats_total: number;
    seats_available: number;
  }>`
    select c.id, c.name, c.price, c.color, c.kind, c.capacity,
      count(s.id)::int as seats_total,
      count(s.id) filter (where s.status = 'available')::int as seats_available
    from ${sql.table('ticket.sections')} c
    left join ${sql.table('ticket.seats')} s on s.section_id = c.id
    where c.event_id = ${eventId}
    group by c.id
    order by c.sort, c.name`.execute(db);
  return result.rows.map((r) => ({
    ...r,
    seatsTotal: Number(r.seats_total),
    seatsAvailable: Number(r.seats_available),
  }));
}

export async function insertEvent(db: Db, values: Record<string, unknown>): Promise<void> {
  await db.withSchema('ticket').insertInto('events').values(values).execute();
}

export async function updateEvent(
  db: Db,
  id: string,
  values: Record<string, unknown>,
  expectStatus?: string,
): Promise<boolean> {
  let query = db
    .withSchema('ticket')
    .updateTable('events')
    .set({ ...values, updated_at: sql`now()` })
    .where('id', '=', id);
  if (expectStatus) query = query.where('status', '=', expectStatus);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function deleteEvent(db: Db, id: string): Promise<void> {
  await db.withSchema('ticket').deleteFrom('events').where('id', '=', id).execute();
}
