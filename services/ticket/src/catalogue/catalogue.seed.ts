import { sql } from 'kysely';
import { newId, type AuthUser, type ServiceContext } from '@tiketi/platform';
import type { TicketConfig } from '../ticket.config';
import type { Catalogue } from './catalogue.registry';
import { demoAliases, demoEvents, demoLayouts, type DemoEvent } from './catalogue.seed-data';
import { findEvent } from './event.repository';
import { countSeatsByStatus } from './seat.repository';
import { demoPoster } from './catalogue.seed-posters';
import { expandLayout } from './layout.service';

const SEEDER: AuthUser = { id: 'system-seed', role: 'admin', sid: 'seed', email: 'seed@tiketi.local' };
const MINUTE = 60_000;

/** The demo's "opens in a few minutes" events: their sale start is relative to each start-up. */
const opensSoon = (e: DemoEvent) => e.saleOpensInMinutes > 0 && e.saleOpensInMinutes < 60;

function saleStartFor(e: DemoEvent, now: number): Date {
  return new Date(
    opensSoon(e)
      ? now + e.saleOpensInMinutes * MINUTE
      : Math.round((now + e.saleOpensInMinutes * MINUTE) / MINUTE) * MINUTE,
  );
}

/**
 * An "opens in a few minutes" demo event seeded on an earlier start has long opened: put its sale
 * start a few minutes ahead again, so every start shows a sale about to open. Only the demo's own
 * event (title, artist and venue as seeded), only before or during its sale, and only while no
 * seat of it is sold or held: a sale that has buyers is never moved back.
 */
async function reopenSoonSale(
  ctx: ServiceContext<TicketConfig>,
  catalogue: Catalogue,
  e: DemoEvent,
  id: string,
  now: number,
): Promise<boolean> {
  const row = await findEvent(ctx.db, id);
  if (!row || row.artist !== e.artist || row.venue_name !== e.venueName) return false;
  if (row.status !== 'scheduled' && row.status !== 'on_sale') return false;
  const saleStartsAt = saleStartFor(e, now);
  if (saleStartsAt >= new Date(row.sale_ends_at)) return false;
  const seats = await countSeatsByStatus(ctx.db, id);
  if ((seats.sold ?? 0) + (seats.held ?? 0) > 0) return false;
  await catalogue.events.update(SEEDER, id, { saleStartsAt: saleStartsAt.toISOString() });
  ctx.log.info({ eventId: id, title: e.title, saleStartsAt }, 'demo sale set to open in a few minutes again');
  return true;
}

/**
 * A demo poster whose address is not this platform's (its store or PUBLIC_API_URL changed since
 * the seed; a first start before the fix seeded from a throwaway port) shows as a broken image:
 * made again here. Only the demo's own event, and only a poster that is there but unreachable
 * (one an operator uploaded is under the store's base; a removed one stays removed).
 */
async function remakeStrayPoster(
  ctx: ServiceContext<TicketConfig>,
  catalogue: Catalogue,
  e: DemoEvent,
  id: string,
  seed: number,
): Promise<void> {
  const row = await findEvent(ctx.db, id);
  if (!row || row.artist !== e.artist || row.venue_name !== e.venueName) return;
  if (!row.poster_url || catalogue.posters.servesUrl(row.poster_url)) return;
  try {
    await catalogue.posters.upload(SEEDER, id, await demoPoster(e.category, seed));
    ctx.log.info({ eventId: id, was: row.poster_url }, "demo poster made again at this platform's address");
  } catch (err) {
    ctx.log.warn({ err, title: e.title }, 'demo poster not made again');
  }
}

/**
 * Demo catalogue for embedded/dev mode: a dozen Korean events across categories and dates, venue
 * templates and aliases. Idempotent: anything already there (matched by title/name) is skipped,
 * except that the "opens in a few minutes" event gets its sale start moved ahead again and a demo
 * poster at an address that is not this platform's is made again.
 */
export async function seedCatalogue(ctx: ServiceContext<TicketConfig>, catalogue: Catalogue): Promise<void> {
  const db = ctx.db.withSchema('ticket');
  for (const a of demoAliases) {
    await db
      .insertInto('aliases')
      .values({ id: newId('als'), ...a })
      .onConflict((oc) => oc.doNothing())
      .execute()
      .catch(() => undefined);
  }
  const venues = new Map<string, string>();
  for (const e of demoEvents) venues.set(e.venueName, e.venueAddress);
  for (const [name, address] of venues) {
    const exists = await db.selectFrom('venues').select('id').where('name', '=', name).executeTakeFirst();
    if (exists) continue;
    const layout = demoLayouts[demoEvents.find((e) => e.venueName === name)!.layout];
    const expanded = expandLayout(layout);
    await db
      .insertInto('venues')
      .values({
        id: newId('ven'),
        name,
        address,
        layout: JSON.stringify(expanded.layout),
        seats_total: expanded.seatsTotal,
      })
      .execute();
  }

  const now = ctx.clock.now().getTime();
  let created = 0;
  for (const e of demoEvents) {
    const exists = await db.selectFrom('events').select('id').where('title', '=', e.title).executeTakeFirst();
    if (exists) {
      if (opensSoon(e)) await reopenSoonSale(ctx, catalogue, e, exists.id as string, now);
      await remakeStrayPoster(ctx, catalogue, e, exists.id as string, demoEvents.indexOf(e) + 1);
      continue;
    }
    const venue = await db
      .selectFrom('venues')
      .select('id')
      .where('name', '=', e.venueName)
      .executeTakeFirst();
    const startsAt = new Date(
      Math.round((now + e.showInDays * 24 * 60 * MINUTE) / (30 * MINUTE)) * 30 * MINUTE,
    );
    const endsAt = new Date(startsAt.getTime() + e.durationHours * 60 * MINUTE);
    const saleStartsAt = saleStartFor(e, now);
    const saleEndsAt = new Date(startsAt.getTime() - (e.saleClosesBeforeShowMinutes ?? 60) * MINUTE);
    const id = await catalogue.events.create(SEEDER, {
      title: e.title,
      category: e.category,
      artist: e.artist,
      description: e.description,
      venueId: venue?.id as string | undefined,
      venueName: e.venueName,
      venueAddress: e.venueAddress,
      startsAt: startsAt.toISOString(),
      endsAt: endsAt.toISOString(),
      saleStartsAt: saleStartsAt.toISOString(),
      saleEndsAt: saleEndsAt.toISOString(),
      refundPolicyId: e.refundPolicyId,
      layout: demoLayouts[e.layout],
    });
    try {
      await catalogue.posters.upload(SEEDER, id, await demoPoster(e.category, created + 1));
    } catch (err) {
      ctx.log.warn({ err, title: e.title }, 'demo poster not created');
    }
    // Demo only: a sold-out house without real buyers, so the sold-out state can be seen.
    if (e.soldOut)
      await sql`update ${sql.table('ticket.seats')} set status = 'sold' where event_id = ${id}`.execute(
        ctx.db,
      );
    await catalogue.events.publish(SEEDER, id);
    created++;
  }
  if (created > 0) ctx.log.info({ created }, 'demo events seeded');
}
