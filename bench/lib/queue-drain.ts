import { performance } from 'node:perf_hooks';
import type { TestService } from '@tiketi/testing';
import type { TicketConfig } from '@tiketi/ticket';
import { queueRuntime } from '../../services/ticket/src/queue';
import { eventInput } from './catalogue-fixture';
import { round } from './load';
import { summarize } from './report';

/** What a drain of the waiting line by the real ticker found. */
export interface DrainResult {
  buyers: number;
  ratePerSecond: number;
  tickMs: number;
  admitted: number;
  leftWaiting: number;
  /** From the first tick's start to the end of the tick that admitted the last buyer. */
  drainMs: number;
  /** Admitted buyers per full tick (the first, a fresh room's one buyer, and the last, partial one left out). */
  perTick: { expected: number; p50: number; min: number; max: number };
  /** How long each admission round took; longer than tickMs means the ticker fell behind. */
  tickDurationMs: { p50: number; p95: number; max: number };
  /**
   * Over every ten consecutive full ticks: admitted, as a share of what the rate allows over the
   * time they cover (from the tick before them to the last of them); 1 is exact, above 1 too many.
   */
  tenTicks: { windows: number; most: number; least: number };
  /** Buyers admitted in a later tick than someone who joined after them (0 is fair). */
  admittedAfterLaterJoiner: number;
  /** Places in the admission sequence where a buyer came before an earlier joiner. */
  outOfJoinOrder: number;
}

/**
 * Sets the event's room, through the admin API, to always queue and let buyers in at
 * `ratePerSecond`, with room inside for everyone and sessions and heartbeats that outlast the run.
 */
async function letInAt(
  svc: TestService<TicketConfig>,
  adminHeaders: Record<string, string>,
  eventId: string,
  ratePerSecond: number,
  extra: Record<string, number> = {},
): Promise<void> {
  const res = await svc.app.inject({
    method: 'PUT',
    url: `/api/admin/events/${eventId}/queue`,
    headers: adminHeaders,
    payload: {
      mode: 'on',
      admissionsPerMinute: Math.round(ratePerSecond * 60),
      maxInside: 1_000_000,
      sessionMinutes: 240,
      heartbeatTimeoutSeconds: 3600,
      ...extra,
    },
  });
  if (res.statusCode !== 200) throw new Error(`room settings refused: ${res.body}`);
}

/**
 * Drains `buyers` already waiting in the event's room with the ticket service's own ticker, ticking
 * every `tickMs` as QueueTicker.start does (a tick still running when the next is due skips it), at
 * `ratePerSecond` and with room for all of them inside. The room's settings are changed through
 * the admin API first. Stops after `limitMs` whatever is left.
 */
export async function drainWaitingLine(
  svc: TestService<TicketConfig>,
  adminHeaders: Record<string, string>,
  eventId: string,
  options: { buyers: number; ratePerSecond: number; tickMs: number; limitMs: number },
): Promise<DrainResult> {
  const { buyers, ratePerSecond, tickMs, limitMs } = options;
  const { service: queue, ticker } = queueRuntime(svc.ctx);
  await letInAt(svc, adminHeaders, eventId, ratePerSecond);

  // The join order is the line's own: each buyer's score is the sequence number taken on joining.
  const line = await queue.state.head(eventId, buyers);
  if (line.length !== buyers) throw new Error(`expected ${buyers} waiting, found ${line.length}`);
  const joinRank = new Map(line.map((entry, i) => [entry.member, i]));

  const ticks: Array<{ startedAt: number; endedAt: number; admitted: string[] }> = [];
  let admitted = 0;
  const started = performance.now();
  while (admitted < buyers && performance.now() - started < limitMs) {
    const startedAt = performance.now();
    const result = await ticker.tick();
    if (!result.leader) throw new Error('another ticker holds the admission lease');
    const taken = result.admitted[eventId] ?? [];
    admitted += taken.length;
    const endedAt = performance.now();
    ticks.push({ startedAt, endedAt, admitted: taken });
    // setInterval's next due moment; the ones passed while this tick ran are skipped.
    const next = started + Math.ceil((endedAt - started) / tickMs) * tickMs;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
  }
  const lastAdmitting = [...ticks].reverse().find((t) => t.admitted.length > 0);
  const drainMs = lastAdmitting ? lastAdmitting.endedAt - started : 0;

  // A fresh room lets one buyer in at its first tick, and the last tick takes what is left.
  const full = ticks
    .filter((t, k) => k > 0 && (k < ticks.length - 1 || admitted < buyers))
    .map((t) => t.admitted.length);
  const perTick = summarize(full.length > 0 ? full : [0]);
  const durations = summarize(ticks.map((t) => t.endedAt - t.startedAt));

  const tenTicks = { windows: 0, most: 0, least: Number.POSITIVE_INFINITY };
  const lastFull = admitted < buyers ? ticks.length - 1 : ticks.length - 2;
  for (let i = 10; i <= lastFull; i++) {
    const window = ticks.slice(i - 9, i + 1);
    const sum = window.reduce((n, t) => n + t.admitted.length, 0);
    const allowed = (ratePerSecond * (ticks[i]!.startedAt - ticks[i - 10]!.startedAt)) / 1000;
    tenTicks.windows += 1;
    tenTicks.most = Math.max(tenTicks.most, sum / allowed);
    tenTicks.least = Math.min(tenTicks.least, sum / allowed);
  }

  let outOfJoinOrder = 0;
  let previousRank = -1;
  const tickOf = new Map<string, number>();
  ticks.forEach((t, k) =>
    t.admitted.forEach((member) => {
      const rank = joinRank.get(member) ?? -1;
      if (rank < previousRank) outOfJoinOrder += 1;
      previousRank = rank;
      tickOf.set(member, k);
    }),
  );
  // A buyer is wronged when someone who joined later got in at an earlier tick.
  let admittedAfterLaterJoiner = 0;
  let earliestTickFromHere = Number.POSITIVE_INFINITY;
  for (let rank = line.length - 1; rank >= 0; rank--) {
    const k = tickOf.get(line[rank]!.member);
    if (k === undefined) continue;
    if (earliestTickFromHere < k) admittedAfterLaterJoiner += 1;
    earliestTickFromHere = Math.min(earliestTickFromHere, k);
  }

  return {
    buyers,
    ratePerSecond,
    tickMs,
    admitted,
    leftWaiting: await queue.state.waiting(eventId),
    drainMs,
    perTick: {
      expected: (ratePerSecond * tickMs) / 1000,
      p50: perTick.p50,
      min: full.reduce((m, n) => Math.min(m, n), full[0] ?? 0),
      max: perTick.max,
    },
    tickDurationMs: { p50: durations.p50, p95: durations.p95, max: durations.max },
    tenTicks,
    admittedAfterLaterJoiner,
    outOfJoinOrder,
  };
}

/** A sale's opening with the whole crowd already in the pre-queue. */
export interface OpeningResult {
  buyers: number;
  /** How long the crowd took to join (before the opening). */
  joinMs: number;
  /** The first tick after the opening: it shuffles the pre-queue, then lets the first buyer in. */
  openingTickMs: number;
  /** From the sale's opening to the end of the tick that let the first buyer in. */
  firstAdmissionMs: number;
  /** The tick after: how many it let in, and when it ended, from the opening. */
  next: { admitted: number; endedMs: number };
}

/**
 * A big sale's opening: `buyers` join the pre-queue of a new event whose sale opens `leadMs`
 * after it is created, then the service's ticker ticks from the opening on, every `tickMs`.
 * Measures how long the opening tick (the pre-queue's shuffle) holds admissions up.
 */
export async function openWithPreQueue(
  svc: TestService<TicketConfig>,
  adminHeaders: Record<string, string>,
  options: {
    buyers: number;
    ratePerSecond: number;
    tickMs: number;
    leadMs: number;
    limitMs: number;
    join: (eventId: string) => Promise<void>;
  },
): Promise<OpeningResult> {
  const { buyers, tickMs } = options;
  const { service: queue, ticker } = queueRuntime(svc.ctx);
  const opensAt = Date.now() + options.leadMs;
  const created = await svc.app.inject({
    method: 'POST',
    url: '/api/admin/events',
    headers: adminHeaders,
    payload: { ...eventInput('Queue bench opening', 100), saleStartsAt: new Date(opensAt).toISOString() },
  });
  if (created.statusCode !== 201) throw new Error(`event not created: ${created.body}`);
  const eventId = created.json().event.id as string;
  await svc.app.inject({ method: 'POST', url: `/api/events/${eventId}/publish`, headers: adminHeaders });
  await letInAt(svc, adminHeaders, eventId, options.ratePerSecond, { preQueueMinutes: 30 });
  try {
    const joinStarted = performance.now();
    await options.join(eventId);
    const joinMs = performance.now() - joinStarted;
    const early = (await queue.state.preQueue(eventId)).length;
    if (Date.now() >= opensAt || early !== buyers)
      throw new Error(`only ${early} of ${buyers} joined before the opening: give the crowd more time`);
    // The ticker runs before the opening too, as in production: it keeps the room's credit at zero.
    await ticker.tick();

    const ticks: Array<{ endedMs: number; tookMs: number; admitted: number }> = [];
    for (let k = 0; ticks.filter((t) => t.admitted > 0).length < 2; k++) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, opensAt + k * tickMs - Date.now())));
      if (Date.now() - opensAt > options.limitMs) throw new Error('nobody admitted within the limit');
      const started = performance.now();
      const result = await ticker.tick();
      const ended = performance.now();
      ticks.push({
        endedMs: Date.now() - opensAt,
        tookMs: ended - started,
        admitted: result.admitted[eventId]?.length ?? 0,
      });
      // As QueueTicker.start: the moments that passed while a tick ran are skipped.
      k = Math.max(k, Math.ceil((Date.now() - opensAt) / tickMs) - 1);
    }
    const [first, second] = ticks.filter((t) => t.admitted > 0);
    return {
      buyers,
      joinMs,
      openingTickMs: ticks[0]!.tookMs,
      firstAdmissionMs: first!.endedMs,
      next: { admitted: second!.admitted, endedMs: second!.endedMs },
    };
  } finally {
    await queue.state.clear(eventId);
  }
}

/** What the opening found, for the benchmark's notes. */
export function openingNote(o: OpeningResult): string {
  return `opening: ${o.buyers.toLocaleString('en')} buyers joined the pre-queue (in ${round(o.joinMs / 1000, 1)} s) of a sale that then opened; the first tick after the opening (it shuffles the pre-queue) took ${round(o.openingTickMs, 1)} ms, the first buyer was in ${round(o.firstAdmissionMs, 1)} ms after the opening, and the next tick let ${o.next.admitted.toLocaleString('en')} in by ${round(o.next.endedMs, 1)} ms`;
}

/** The drain as a row of the queue benchmark's table. */
export function drainRow(d: DrainResult): Record<string, string | number> {
  const seconds = d.drainMs / 1000;
  return {
    operation: `admission: ${d.buyers.toLocaleString('en')} waiting let in by the ticker at ${d.ratePerSecond.toLocaleString('en')}/s (redis; p50/p95/p99 = tick duration p50/p95/max)`,
    count: d.admitted,
    'ops/s': seconds > 0 ? Math.round(d.admitted / seconds) : 0,
    'p50 ms': round(d.tickDurationMs.p50, 3),
    'p95 ms': round(d.tickDurationMs.p95, 3),
    'p99 ms': round(d.tickDurationMs.max, 3),
    ratio: seconds > 0 ? round(d.admitted / seconds / d.ratePerSecond, 3) : 0,
  };
}

/** What the table's row cannot say: the drain time against the ideal, per-tick accuracy, order. */
export function drainNotes(d: DrainResult): string[] {
  const ideal = d.buyers / d.ratePerSecond;
  const drained = d.leftWaiting === 0 && d.admitted === d.buyers;
  return [
    `admission: ${drained ? 'drained' : `NOT drained (${d.leftWaiting.toLocaleString('en')} still waiting)`}: ${d.admitted.toLocaleString('en')} buyers admitted in ${round(d.drainMs / 1000, 1)} s against ${round(ideal, 1)} s at the configured rate (ratio ${round(ideal / (d.drainMs / 1000), 3)}); ticks every ${d.tickMs} ms (QUEUE_TICK_MS default) as in production, each one admission round (QueueTicker.tick); ratio in the table = admitted per second over the configured rate`,
    `admission accuracy: per full tick ${d.perTick.expected.toLocaleString('en')} expected, p50 ${d.perTick.p50}, min ${d.perTick.min}, max ${d.perTick.max}; ${d.tenTicks.windows > 0 ? `over ${d.tenTicks.windows} spans of ten full ticks, admitted ${d.tenTicks.least.toFixed(3)}-${d.tenTicks.most.toFixed(3)} of what the rate allows over each span's time (above 1 would be too many)` : 'too few ticks for a span of ten'}; admitted out of join order ${d.outOfJoinOrder}, admitted at a later tick than someone who joined after them ${d.admittedAfterLaterJoiner} (join order = the line's sequence numbers)`,
  ];
}
