import {
  admissionRate,
  admittedView,
  AppError,
  enqueueEvents,
  etaSeconds,
  placeView,
  type AuthUser,
  type LineRoom,
  type QueueStatusView,
  type RoomCapacity,
  type ServiceContext,
} from '@tiketi/platform';
import { EventTypes } from '@tiketi/contracts';
import type { TicketConfig } from '../ticket.config';
import type { QueueGate, TicketShared, UserMessage } from '../ticket.area';
import {
  CLOSED_STATUSES,
  DEFAULT_SETTINGS,
  type QueueEventInfo,
  type QueueRepository,
  type QueueSettings,
} from './queue.repository';
import { POST_OPEN_BAND, type LineStanding, type QueueState, type RoomMeta } from './queue.state';
import type { QueueMetrics } from './queue.metrics';
import { signAdmission, verifyAdmission } from './queue.token';

export { etaSeconds, type QueueStatusView };

const ROOM_CACHE_MS = 2_000;

/** What a buyer's answer needs to know of the room (the gateway learns the same, ADR 0011). */
function lineRoom({ event, settings }: Room): LineRoom {
  return {
    eventId: event.id,
    opensAt: event.saleStartsAt.getTime(),
    saleOver: CLOSED_STATUSES.includes(event.status),
    admissionsPerMinute: settings.admissionsPerMinute,
    capacity: roomCapacity(settings),
  };
}

export function roomCapacity(settings: QueueSettings): RoomCapacity {
  return { maxInside: settings.maxInside, sessionMs: settings.sessionMinutes * 60_000 };
}

/** How long the auto mode stays on after arrivals last went over the threshold. */
const AUTO_HOLD_MS = 5 * 60_000;

export interface Room {
  event: QueueEventInfo;
  settings: QueueSettings;
}

/** Waiting-room rules for buyers and the booking gate; the ticker (queue.ticker.ts) admits. */
export class QueueService implements QueueGate {
  private readonly rooms = new Map<string, { room: Room; until: number }>();
  private readonly loadingRooms = new Map<string, Promise<Room>>();

  constructor(
    private readonly ctx: ServiceContext<TicketConfig>,
    private readonly shared: TicketShared,
    readonly repo: QueueRepository,
    readonly state: QueueState,
    readonly metrics: QueueMetrics,
  ) {}

  now(): number {
    return this.ctx.clock.now().getTime();
  }

  /** A push to many buyers at once (admissions, the ticker's position updates, a closing room). */
  pushMany(name: string, messages: UserMessage[]): void {
    if (messages.length === 0) return;
    // Looked up on each push: the booking area installs the Socket.IO side after our routes.
    try {
      this.shared.realtime.toUsers(name, messages);
    } catch (err) {
      this.ctx.log.warn({ err, name }, 'queue push failed');
    }
  }

  /**
   * The event and its settings. Status polls from a large crowd would otherwise cost two queries
   * each, so they are kept for ROOM_CACHE_MS; the line itself is never cached. A crowd that finds
   * the entry missing or expired waits on one read: every join in flight at a sale's opening (or
   * at each expiry) would otherwise read both rows itself, and queue for a connection to do it.
   */
  room(eventId: string): Promise<Room> {
    const cached = this.rooms.get(eventId);
    if (cached && cached.until > Date.now()) return Promise.resolve(cached.room);
    const loading = this.loadingRooms.get(eventId);
    if (loading) return loading;
    const startedAt = Date.now();
    // Kept only while still the current read: one that `forget` overtook may hold old settings.
    const current = () => this.loadingRooms.get(eventId) === pending;
    const pending: Promise<Room> = this.loadRoom(eventId)
      .then((room) => {
        if (current()) {
          if (this.rooms.size >= 1_000) this.rooms.clear();
          this.rooms.set(eventId, { room, until: startedAt + ROOM_CACHE_MS });
        }
        return room;
      })
      .finally(() => {
        if (current()) this.loadingRooms.delete(eventId);
      });
    this.loadingRooms.set(eventId, pending);
    return pending;
  }

  private async loadRoom(eventId: string): Promise<Room> {
    const event = await this.repo.event(eventId);
    if (!event || event.status === 'draft') throw AppError.notFound('EVENT_NOT_FOUND', 'Event not found');
    const settings = (await this.repo.settings(eventId)) ?? { eventId, updatedAt: null, ...DEFAULT_SETTINGS };
    return { event, settings };
  }

  /** After a settings change on this replica; other replicas catch up within ROOM_CACHE_MS. */
  forget(eventId: string): void {
    this.rooms.delete(eventId);
    // A read already under way may have seen the old settings: the next caller reads again.
    this.loadingRooms.delete(eventId);
  }

  /**
   * What the gateway may place buyers and answer polls with (QUEUE_ROOM_HEADER, ADR 0011): only
   * for a room that always queues, whose sale is not over, as this replica knows it now; null for
   * any other, and the gateway then leaves the room's requests to the service.
   */
  edgeHint(eventId: string, now = this.now()): string | null {
    const room = this.rooms.get(eventId)?.room;
    if (!room) return null;
    const { event, settings } = room;
    const until = event.saleEndsAt.getTime();
    if (settings.mode !== 'on' || CLOSED_STATUSES.includes(event.status) || now > until) return null;
    const opens = event.saleStartsAt.getTime();
    const from = opens - settings.preQueueMinutes * 60_000;
    return `event=${event.id}; from=${from}; opens=${opens}; until=${until}; rate=${settings.admissionsPerMinute}; inside=${settings.maxInside}; session=${settings.sessionMinutes * 60_000}`;
  }

  /** Whether buyers must come through the waiting room right now. */
  async isActive(settings: QueueSettings, now: number, meta?: RoomMeta): Promise<boolean> {
    if (settings.mode === 'off') return false;
    if (settings.mode === 'on') return true;
    const m = meta ?? (await this.state.meta(settings.eventId));
    return m.autoUntil > now || (await this.state.waiting(settings.eventId)) > 0;
  }

  async join(eventId: string, user: AuthUser): Promise<QueueStatusView> {
    const room = await this.room(eventId);
    const { event, settings } = room;
    if (event.status === 'cancelled') throw AppError.conflict('EVENT_CANCELLED', 'This event was cancelled');
    const now = this.now();
    if (now > event.saleEndsAt.getTime() || event.status === 'sale_closed' || event.status === 'ended')
      throw AppError.conflict('SALE_ENDED', 'Ticket sales for this event have ended');

    const opensAt = event.saleStartsAt.getTime();
    const preQueueFrom = opensAt - settings.preQueueMinutes * 60_000;
    // Before opening every arrival is equal (shuffled at opening); afterwards strictly first come.
    const band = now < opensAt ? 0 : POST_OPEN_BAND;
    // Where a newcomer surely queues (the pre-queue, or a room that is always on), the look at
    // their standing and their place in line are one step; elsewhere the step only looks, and
    // the auto mode decides before they are placed. Admitted or waiting already: the answer is
    // their status, and their place is kept.
    const surelyQueues = now >= preQueueFrom && (now < opensAt || settings.mode === 'on');
    const standing = await this.state.enter(
      eventId,
      user.id,
      now,
      surelyQueues ? { band } : undefined,
      roomCapacity(settings),
    );
    if (standing.added) return this.placeView(room, standing, now);
    if (standing.admission || standing.rank !== null) return this.answer(room, user.id, standing, now);

    if (now < preQueueFrom) {
      throw AppError.conflict('QUEUE_NOT_OPEN', 'The waiting room is not open yet', {
        opensAt: new Date(preQueueFrom).toISOString(),
      });
    }
    if (!(await this.mustQueue(settings, now))) {
      const [admission] = await this.admitBuyers(event, settings, [user.id], now, { push: false });
      return admittedView(eventId, admission!);
    }
    const placed = await this.state.enter(eventId, user.id, now, { band }, roomCapacity(settings));
    return placed.added ? this.placeView(room, placed, now) : this.answer(room, user.id, placed, now);
  }

  /** Auto mode: queue once arrivals outpace the threshold, someone already waits, or the room is full. */
  private async mustQueue(settings: QueueSettings, now: number): Promise<boolean> {
    if (settings.mode === 'on') return true;
    if (settings.mode === 'off') return false;
    const eventId = settings.eventId;
    // Independent: sent together, they share one round trip to Redis.
    const [arrivals, inside] = await Promise.all([
      this.state.countArrival(eventId, now),
      this.state.inside(eventId, now),
    ]);
    const full = inside >= settings.maxInside;
    if (arrivals > settings.autoThreshold || full) {
      await this.state.setMeta(eventId, { autoUntil: now + AUTO_HOLD_MS });
      return true;
    }
    return this.isActive(settings, now);
  }

  /** The buyer's place; polling it counts as a heartbeat. */
  async status(eventId: string, userId: string): Promise<QueueStatusView> {
    const room = await this.room(eventId);
    const now = this.now();
    return this.answer(
      room,
      userId,
      await this.state.enter(eventId, userId, now, undefined, roomCapacity(room.settings)),
      now,
    );
  }

  /** A buyer's answer from their standing: admitted, waiting (or let in, when the room is off), or none. */
  private async answer(
    room: Room,
    userId: string,
    standing: LineStanding,
    now: number,
  ): Promise<QueueStatusView> {
    const { event, settings } = room;
    const eventId = event.id;
    const { admission } = standing;
    if (admission) return admittedView(eventId, admission);
    if (standing.rank !== null && settings.mode === 'off') {
      // The operator switched the room off: whoever still waits is let straight in.
      if ((await this.state.removeWaiting(eventId, [userId])) === 1) {
        const [a] = await this.admitBuyers(event, settings, [userId], now, { push: false });
        return admittedView(eventId, a!);
      }
      return { status: 'none', eventId };
    }
    return this.placeView(room, standing, now);
  }

  private placeView(room: Room, standing: LineStanding, now: number): QueueStatusView {
    return placeView(lineRoom(room), standing, now);
  }

  /** The measured admission rate; the configured one only until anyone has been admitted. */
  async ratePerMinute(settings: QueueSettings, meta: RoomMeta, now: number): Promise<number> {
    return admissionRate(
      await this.state.measuredPerMinute(settings.eventId, now, meta.firstAdmitAt),
      settings.admissionsPerMinute,
    );
  }

  async heartbeat(eventId: string, userId: string): Promise<QueueStatusView> {
    return this.status(eventId, userId);
  }

  /** Leaving gives the place (or the admitted session) back at once. */
  async leave(eventId: string, userId: string): Promise<void> {
    await this.room(eventId);
    await this.state.removeWaiting(eventId, [userId]);
    await this.state.endSession(eventId, [userId]);
    this.metrics.waiting.set({ event_id: eventId }, await this.state.waiting(eventId));
  }

  /**
   * One admission, one purchase: a buyer whose purchase is confirmed gives their place inside back
   * at once, as leaving does, instead of holding it to the session's end while the line waits (a
   * room of 500 ten-minute places lets 50 a minute through when every buyer keeps theirs). To buy
   * again they join the line again. Best effort: a session left in place ends on its own.
   */
  async purchased(eventId: string, userId: string): Promise<void> {
    await this.state.endSession(eventId, [userId]).catch((err: unknown) => {
      this.ctx.log.warn(
        { err: (err as Error).message, eventId },
        'could not end a buyer’s session after their purchase',
      );
    });
  }

  /** The check the booking route runs before a hold. */
  async assertAdmitted(eventId: string, userId: string, token: string | undefined): Promise<void> {
    // Every hold asks: the settings come from the room cache (a change on this replica clears it).
    const { settings } = await this.room(eventId);
    const now = this.now();
    if (!(await this.isActive(settings, now))) return;
    if (!token)
      throw AppError.forbidden('QUEUE_TOKEN_REQUIRED', 'Join the waiting room for this event first');
    const check = verifyAdmission(this.ctx.config.QUEUE_TOKEN_SECRET, token, { eventId, userId, now });
    if (!check.ok)
      throw AppError.forbidden('QUEUE_TOKEN_INVALID', 'This admission is not valid for you and this event', {
        reason: check.reason,
      });
    // Leaving, or a session ended by the ticker, revokes the token before it expires.
    const until = await this.state.insideUntil(eventId, userId);
    if (until === null || until <= now) {
      throw AppError.forbidden(
        'QUEUE_TOKEN_INVALID',
        'Your admission has ended; join the waiting room again',
        { reason: 'ended' },
      );
    }
  }

  /** Issues sessions to these buyers (already taken off the line) and records the fact. */
  async admitBuyers(
    event: QueueEventInfo,
    settings: QueueSettings,
    userIds: string[],
    now: number,
    options: { push: boolean },
  ): Promise<Array<{ userId: string; token: string; expiresAt: number }>> {
    if (userIds.length === 0) return [];
    const expiresAt = now + settings.sessionMinutes * 60_000;
    const out = userIds.map((userId) => ({
      userId,
      token: signAdmission(this.ctx.config.QUEUE_TOKEN_SECRET, { eventId: event.id, userId, expiresAt }),
      expiresAt,
    }));
    const joinedAt = await this.state.admitMany(
      event.id,
      out.map(({ userId, token }) => ({ userId, admission: { token, expiresAt } })),
      expiresAt,
      now,
    );
    for (const joined of joinedAt)
      if (joined !== null)
        this.metrics.waitSeconds.observe({ event_id: event.id }, Math.max(0, now - joined) / 1000);
    if (options.push)
      this.pushMany(
        'queue:admitted',
        out.map(({ userId, token }) => ({
          userId,
          payload: { eventId: event.id, token, expiresAt: new Date(expiresAt).toISOString() },
        })),
      );
    this.metrics.admitted.inc({ event_id: event.id }, userIds.length);
    const meta = await this.state.meta(event.id);
    if (!meta.firstAdmitAt) await this.state.setMeta(event.id, { firstAdmitAt: now });
    await this.state.recordAdmissions(event.id, userIds.length, now);
    const occurredAt = new Date(now).toISOString();
    await this.ctx.db.transaction().execute((trx) =>
      enqueueEvents(
        trx,
        this.ctx.schema,
        'ticket',
        EventTypes.queueAdmitted,
        userIds.map((userId) => ({ eventId: event.id, userId, occurredAt })),
      ),
    );
    this.ctx.relay?.poke();
    return out;
  }
}
