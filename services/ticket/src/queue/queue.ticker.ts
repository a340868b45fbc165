import { randomInt } from 'node:crypto';
import {
  capacityWaitMs,
  newId,
  releaseLease,
  slotIndex,
  tryAcquireLease,
  type ServiceContext,
} from '@tiketi/platform';
import type { TicketConfig } from '../ticket.config';
import { etaSeconds, roomCapacity, type QueueService, type Room } from './queue.service';
import { CLOSED_STATUSES } from './queue.repository';

const LEASE_KEY = 'queue:ticker';
/** Buyers at the head of the line who get a pushed position every tick; the rest poll. */
const PUSH_HEAD = 1_000;

/** How long after a sale ends the ticker keeps looking at the room to tidy it away. */
const FINISHED_TIDY_MS = 24 * 3_600_000;

export interface TickResult {
  /** False when another replica holds the admission lease for this tick. */
  leader: boolean;
  admitted: Record<string, string[]>;
}

/**
 * Admits buyers at each room's rate. Every replica runs a ticker; the lease makes exactly one of
 * them admit per tick, and ZPOPMIN makes a buyer taken by one replica gone for every other.
 */
export class QueueTicker {
  readonly holder = newId('tck');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<TickResult> | null = null;

  constructor(
    private readonly ctx: ServiceContext<TicketConfig>,
    private readonly queue: QueueService,
  ) {}

  start(intervalMs: number): void {
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.tick().catch((err) => this.ctx.log.error({ err }, 'queue tick failed'));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
    await releaseLease(this.ctx.coordination, LEASE_KEY, this.holder).catch(() => undefined);
  }

  /** One admission round over every active room; tests call it directly with a fake clock. */
  async tick(): Promise<TickResult> {
    if (this.running) return this.running;
    this.running = this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(): Promise<TickResult> {
    const ttl = Math.max(3_000, this.ctx.config.QUEUE_TICK_MS * 3);
    const rooms = await this.queue.repo.activeRooms(new Date(this.queue.now() - FINISHED_TIDY_MS));
    const leader = await tryAcquireLease(this.ctx.coordination, LEASE_KEY, this.holder, ttl);
    const admitted: Record<string, string[]> = {};
    for (const room of rooms) {
      if (leader) {
        try {
          admitted[room.event.id] = await this.admitRoom(room);
        } catch (err) {
          this.ctx.log.error({ err, eventId: room.event.id }, 'queue admission failed');
        }
      }
      this.queue.metrics.waiting.set(
        { event_id: room.event.id },
        await this.queue.state.waiting(room.event.id),
      );
    }
    return { leader, admitted };
  }

  private async admitRoom(room: Room): Promise<string[]> {
    const { event, settings } = room;
    const { state } = this.queue;
    const eventId = event.id;
    const now = this.queue.now();
    const meta = await state.meta(eventId);

    if (CLOSED_STATUSES.includes(event.status) || now >= event.saleEndsAt.getTime()) {
      // The sale is over: tell whoever still waits, and leave nothing behind in Redis.
      await this.tellClosed(eventId);
      await state.clear(eventId);
      return [];
    }

    // Closed tabs lose their place; ended sessions make room.
    const silent = await state.silentSince(eventId, now - settings.heartbeatTimeoutSeconds * 1000);
    await state.countAbandoned(eventId, await state.removeWaiting(eventId, silent));
    await state.endSession(eventId, await state.endedSessions(eventId, now));

    const opensAt = event.saleStartsAt.getTime();
    if (now < opensAt || !(await this.queue.isActive(settings, now, meta))) {
      await state.setMeta(eventId, { credit: 0, creditAt: now });
      return [];
    }
    if (!meta.shuffled) await this.shuffle(eventId);

    if (await this.soldOut(room)) {
      if (!meta.closed) {
        await state.setMeta(eventId, { closed: true, credit: 0, creditAt: now });
        await this.tellClosed(eventId);
      }
      return [];
    }
    if (meta.closed) await state.setMeta(eventId, { closed: false, creditAt: now, credit: 0 });

    // Credit accrues at the configured rate; a small cap stops a burst after an idle spell.
    const perMs = settings.admissionsPerMinute / 60_000;
    const cap = Math.max(1, settings.admissionsPerMinute / 12);
    // A fresh or resumed room lets the next buyer in at once.
    let credit =
      !meta.creditAt || meta.closed
        ? 1
        : Math.min(cap, meta.credit + (now - Math.max(meta.creditAt, opensAt)) * perMs);
    const space = settings.maxInside - (await state.inside(eventId, now));
    const take = Math.max(0, Math.min(Math.floor(credit + 1e-9), space));
    const taken = take > 0 ? await state.popNext(eventId, take) : [];
    credit -= taken.length;
    // An empty line must not bank credit either.
    if (taken.length < take) credit = Math.min(credit, 1);
    await state.setMeta(eventId, { credit: Math.max(0, credit), creditAt: now });

    await this.queue.admitBuyers(event, settings, taken, now, { push: true });
    await this.pushPositions(room, now);
    return taken;
  }

  /** Pre-queue arrivals get a uniformly random order (Fisher-Yates over a CSPRNG) once, at opening. */
  private async shuffle(eventId: string): Promise<void> {
    const { state } = this.queue;
    const members = await state.preQueue(eventId);
    for (let i = members.length - 1; i > 0; i -= 1) {
      const j = randomInt(i + 1);
      [members[i], members[j]] = [members[j]!, members[i]!];
    }
    // A buyer who leaves meanwhile is not put back (reorder only rewrites who is still in line): a
    // check of every buyer afterwards took a round trip each, seconds at a big sale's opening.
    await state.reorder(eventId, members);
    await state.setMeta(eventId, { shuffled: true });
  }

  private async soldOut(room: Room): Promise<boolean> {
    if (room.event.status === 'sold_out') return true;
    const available = await this.queue.repo.availableSeats(room.event.id);
    return available !== null && available <= 0;
  }

  /** Everyone still waiting hears the room closed (one message between replicas per thousand). */
  private async tellClosed(eventId: string): Promise<void> {
    const waiting = await this.queue.state.all(eventId);
    this.queue.pushMany(
      'queue:closed',
      waiting.map((userId) => ({ userId, payload: { eventId } })),
    );
  }

  private async pushPositions(room: Room, now: number): Promise<void> {
    const { state } = this.queue;
    const head = await state.head(room.event.id, PUSH_HEAD);
    if (head.length === 0) return;
    const meta = await state.meta(room.event.id);
    const opensAt = room.event.saleStartsAt.getTime();
    const perMinute = await this.queue.ratePerMinute(room.settings, meta, now);
    // The same ETA a poll answers (placeView): the rate, or the room's turnover when that is slower.
    const capacity = roomCapacity(room.settings);
    const wanted = Math.min(head.length, capacity.maxInside);
    let sessions = await state.sessionEnds(room.event.id, wanted);
    // More inside than the room now allows (its capacity was lowered): later ends decide the places.
    if (sessions.total > capacity.maxInside)
      sessions = await state.sessionEnds(room.event.id, wanted + sessions.total - capacity.maxInside);
    const from = Math.max(now, opensAt);
    this.queue.pushMany(
      'queue:update',
      head.map((entry, i) => {
        const j = slotIndex(i, sessions.total, capacity.maxInside);
        const waitMs = capacityWaitMs(i, j === null ? null : (sessions.ends[j] ?? null), from, capacity);
        return {
          userId: entry.member,
          payload: {
            eventId: room.event.id,
            position: i + 1,
            etaSeconds: etaSeconds(perMinute, i + 1, now, opensAt, waitMs),
          },
        };
      }),
    );
  }
}
