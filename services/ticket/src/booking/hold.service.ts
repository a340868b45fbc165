import { AppError, newId, type AuthUser } from '@tiketi/platform';
import { outboxEntry } from '@tiketi/platform';
import { limitExceeded, nothingLeft, saleNotOpen, seatUnavailable, soldOut } from './hold.refusals';
import type { BookableEvent } from './reservation.repository';
import type { HeldSeat } from './hold.repository';
import { seatHoldKey, toReservationView, type ReservationView } from './reservation.model';
import { addSeatChanges, applyEffects, newEffects, type BookingRuntime } from './booking.runtime';
import { chooseBestAvailable } from './best-available';

export interface BookInput {
  eventId: string;
  seatIds?: string[];
  quantity?: number;
  section?: string;
}

/** Statuses in which holds are taken (sold_out may be stale the moment a hold expires). */
const SELLING = new Set(['on_sale', 'sold_out']);
const BEST_AVAILABLE_ATTEMPTS = 3;

function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: string }).code === '23505';
}

/**
 * POST /api/tickets/book: all requested seats are held, or none is. Redis (when it answers) turns
 * most losers away with one atomic claim; PostgreSQL decides for the rest: seat rows are locked in
 * id order, checked, and the reservation rows carry the unique index no race can pass.
 */
export async function book(
  rt: BookingRuntime,
  user: AuthUser,
  input: BookInput,
  queueToken: string | undefined,
): Promise<ReservationView> {
  const now = rt.ctx.clock.now();
  // The cache may be a moment behind (a sale that just opened): re-read before turning anyone away.
  const event = await rt.events.get(input.eventId, (e) => isBookable(e, now));
  if (!event || event.status === 'draft') throw AppError.notFound('EVENT_NOT_FOUND', 'Event not found');
  if (!isBookable(event, now)) throw saleNotOpen(event);
  await rt.shared.queueGate.assertAdmitted(event.id, user.id, queueToken);

  const wanted = input.seatIds ? [...new Set(input.seatIds)] : null;
  const count = wanted ? wanted.length : (input.quantity ?? 0);
  if (count > event.seat_limit) throw limitExceeded(event.seat_limit, 0, count);

  const started = process.hrtime.bigint();
  try {
    const view = wanted
      ? await hold(rt, user, event, wanted)
      : await holdBest(rt, user, event, count, input.section);
    rt.metrics.holds.inc({ outcome: 'held' });
    return view;
  } catch (err) {
    rt.metrics.holds.inc({ outcome: err instanceof AppError ? err.code : 'error' });
    if (err instanceof AppError && err.code === 'SEAT_UNAVAILABLE' && (await nothingLeft(rt, event)))
      throw soldOut(event, input);
    throw err;
  } finally {
    rt.metrics.holdSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
  }
}

function isBookable(event: BookableEvent | undefined, now: Date): event is BookableEvent {
  return (
    event !== undefined &&
    SELLING.has(event.status) &&
    now >= new Date(event.sale_starts_at) &&
    now < new Date(event.sale_ends_at)
  );
}

async function holdBest(
  rt: BookingRuntime,
  user: AuthUser,
  event: BookableEvent,
  quantity: number,
  section?: string,
): Promise<ReservationView> {
  const failed = new Set<string>();
  // Seats this process is holding right now are not in the map yet: without them, a crowd asking
  // for best available at once would all pick the same front-row block and all but one lose.
  const exclude = { has: (seatId: string) => failed.has(seatId) || rt.claiming.has(seatId) };
  for (let attempt = 0; ; attempt++) {
    const map = await rt.seatMap.get(event.id, event.layout_version);
    // After a sell-out most asks land here: the count answers them without a scan of the map.
    const chosen =
      map && map.available >= quantity
        ? chooseBestAvailable(map.rows(), quantity, { section, exclude })
        : null;
    if (!chosen)
      throw AppError.conflict(
        'SEAT_UNAVAILABLE',
        `Fewer than ${quantity} seats are available${section ? ' in this section' : ''}`,
        { seatIds: [] },
      );
    try {
      return await hold(rt, user, event, chosen);
    } catch (err) {
      // Someone was faster for one of those seats: choose again around it.
      if (
        !(err instanceof AppError) ||
        err.code !== 'SEAT_UNAVAILABLE' ||
        attempt + 1 >= BEST_AVAILABLE_ATTEMPTS
      )
        throw err;
      for (const id of (err.details?.seatIds as string[] | undefined) ?? []) failed.add(id);
    }
  }
}

/** Marks the seats as being held by this process until the map shows the outcome. */
async function hold(
  rt: BookingRuntime,
  user: AuthUser,
  event: BookableEvent,
  seatIds: string[],
): Promise<ReservationView> {
  const mine = seatIds.filter((id) => !rt.claiming.has(id));
  for (const id of mine) rt.claiming.add(id);
  try {
    return await holdSeats(rt, user, event, seatIds);
  } finally {
    // The seat map has the outcome by now: applied before the transaction helper returned.
    for (const id of mine) rt.claiming.delete(id);
  }
}

async function holdSeats(
  rt: BookingRuntime,
  user: AuthUser,
  event: BookableEvent,
  seatIds: string[],
): Promise<ReservationView> {
  const reservationId = newId('rsv');
  const holdMs = event.hold_minutes * 60_000;
  const keys = seatIds.map((id) => seatHoldKey(event.id, id));

  let claimed = false;
  try {
    const taken = await rt.coordination().claimAll(keys, reservationId, holdMs);
    if (taken.length > 0) {
      const byKey = new Map(keys.map((k, i) => [k, seatIds[i]!]));
      throw seatUnavailable(taken.map((k) => byKey.get(k) ?? k));
    }
    claimed = true;
  } catch (err) {
    if (err instanceof AppError) throw err;
    // Redis is only the fast path: without it PostgreSQL still decides, only with more contention.
    rt.metrics.fastPathFailures.inc();
    rt.ctx.log.warn(
      { err: (err as Error).message },
      'seat claim fast path unavailable; holding on PostgreSQL alone',
    );
  }

  const now = rt.ctx.clock.now();
  const expiresAt = new Date(now.getTime() + holdMs);
  const sortedIds = [...seatIds].sort();
  const userEmail = user.email ?? '';
  const userName = user.name ?? '';
  let held: { seats: HeldSeat[]; amount: number };
  try {
    const { row: outbox } = outboxEntry('ticket', 'reservation.held', {
      reservationId,
      eventId: event.id,
      userId: user.id,
      seatCount: seatIds.length,
      amount: 0, // set from the locked seats' prices by the statement
      occurredAt: now.toISOString(),
      seatIds: sortedIds,
      expiresAt: expiresAt.toISOString(),
    });
    const reservation = {
      id: reservationId,
      eventId: event.id,
      userId: user.id,
      userEmail,
      userName,
      expiresAt,
      createdAt: now,
    };
    const outcome = await rt.holdGroups.take({
      reservation,
      seatIds: sortedIds,
      seatLimit: event.seat_limit,
      now,
      outbox,
    });
    switch (outcome.kind) {
      case 'not_found':
        throw AppError.notFound('SEAT_NOT_FOUND', 'Some seats do not belong to this event', {
          seatIds: outcome.seatIds,
        });
      case 'not_selling': {
        // Cancelled or closed since the (cached) check: the row read by the statement decides.
        const current = await rt.events.fresh(event.id);
        throw current ? saleNotOpen(current) : AppError.notFound('EVENT_NOT_FOUND', 'Event not found');
      }
      case 'over_limit':
        throw limitExceeded(event.seat_limit, outcome.held, seatIds.length);
      case 'unavailable':
        throw seatUnavailable(outcome.seatIds);
    }
    held = outcome;
  } catch (err) {
    if (claimed)
      await rt
        .coordination()
        .releaseIfOwner(keys, reservationId)
        .catch(() => undefined);
    if (isUniqueViolation(err)) {
      // The constraint caught what the checks above could not see: report who has the seats now.
      const active = await rt.ctx.db
        .selectFrom('reservation_seats')
        .select('seat_id')
        .where('seat_id', 'in', seatIds)
        .where('active', '=', true)
        .execute();
      throw seatUnavailable(active.length > 0 ? active.map((r) => r.seat_id as string) : seatIds);
    }
    throw err;
  }
  // Committed: from here on nothing may give the seats' fast-path claims back.
  const { seats, amount } = held;

  const fx = newEffects();
  fx.events += 1;
  addSeatChanges(fx, event.id, sortedIds, 'held');
  fx.holdUpdates.push({
    userId: user.id,
    reservationId,
    status: 'pending',
    expiresAt: expiresAt.toISOString(),
  });
  rt.metrics.transitions.inc({ to: 'pending' });
  await applyEffects(rt, fx);
  const seatRows = seats.map((s) => ({
    reservation_id: reservationId,
    seat_id: s.id,
    event_id: event.id,
    price: s.price,
    label: s.label,
    section: s.section,
    row_label: s.row_label,
    number: s.number,
  }));
  return toReservationView(
    {
      id: reservationId,
      event_id: event.id,
      user_id: user.id,
      user_email: userEmail,
      user_name: userName,
      status: 'pending' as const,
      amount,
      seat_count: seats.length,
      expires_at: expiresAt,
      created_at: now,
      refunded_amount: 0,
      currency: 'KRW',
      payment_id: null,
      payment_lease_until: null,
      cancel_reason: null,
      confirmed_at: null,
      closed_at: null,
      updated_at: now,
    },
    seatRows.map((s) => ({ ...s, active: true, refunded: false })),
  );
}
