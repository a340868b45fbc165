/**
 * Where a request's time went, from the services' own `http_request_duration_seconds` histograms:
 * read before and after a window, the difference per route is the mean time each process spent on
 * it, from Fastify taking the request to the answer leaving. The gap between what the load
 * generator saw and the outermost process's figure is time spent waiting to be read at all.
 * `http_request_spent_seconds_total` splits the same window's time into the wait for a database
 * connection, the statements, Redis, and the calls to other services; the rest is the process's own
 * work and its wait for the event loop.
 */
import { noSpent, SPENT_PARTS as PARTS, type SpentPart as Part } from '@tiketi/platform';

interface RouteTime {
  sum: number;
  count: number;
  spent: Record<Part, number>;
}
export type RouteTimes = Map<string, RouteTime> & {
  /**
   * The event loop's delay since the previous /metrics read (prom-client resets its monitor at
   * each read), in ms: how long a ready callback waited for the process to get to it.
   */
  loopLag?: { meanMs: number; p99Ms: number; maxMs: number };
};

const DURATION = /^\w*http_request_duration_seconds_(sum|count)\{([^}]*)\} ([0-9.e+-]+)$/;
const SPENT = /^\w*http_request_spent_seconds_total\{([^}]*)\} ([0-9.e+-]+)$/;

const LOOP_LAG = /^nodejs_eventloop_lag_(mean|p99|max)_seconds\{[^}]*\} ([0-9.e+-]+)$/;

const labelsOf = (text: string) =>
  Object.fromEntries([...text.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));

export async function routeTimes(url: string): Promise<RouteTimes> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: RouteTimes = new Map() as RouteTimes;
  const entry = (labels: Record<string, string | undefined>) => {
    const key = `${labels.method} ${labels.route}`;
    const found = out.get(key) ?? { sum: 0, count: 0, spent: noSpent() };
    out.set(key, found);
    return found;
  };
  const lag = { meanMs: 0, p99Ms: 0, maxMs: 0 };
  for (const line of text.split('\n')) {
    const loop = LOOP_LAG.exec(line);
    if (loop) lag[`${loop[1] as 'mean' | 'p99' | 'max'}Ms`] = Number(loop[2]) * 1000;
    const duration = DURATION.exec(line);
    if (duration) {
      entry(labelsOf(duration[2]!))[duration[1] as 'sum' | 'count'] += Number(duration[3]);
      continue;
    }
    const spent = SPENT.exec(line);
    if (spent) {
      const labels = labelsOf(spent[1]!);
      if ((PARTS as readonly string[]).includes(labels.part ?? ''))
        entry(labels).spent[labels.part as Part] += Number(spent[2]);
    }
  }
  out.loopLag = lag;
  return out;
}

/** "event loop delay mean 12.3 ms, p99 80 ms, max 140 ms", as read at the end of a window. */
export function describeLoopLag(where: string, times: RouteTimes): string {
  const lag = times.loopLag;
  if (!lag) return `${where} event loop delay unknown`;
  const round = (v: number) => Math.round(v * 10) / 10;
  return `${where} event loop delay mean ${round(lag.meanMs)} ms, p99 ${round(lag.p99Ms)} ms, max ${round(lag.maxMs)} ms`;
}

export interface RouteMean {
  route: string;
  count: number;
  meanMs: number;
  /** Mean ms per request on each part (connection wait, statements, Redis, calls, slot wait). */
  spentMs: Record<Part, number>;
}

/** Mean ms per request of each route asked for, over the window between the two readings. */
export function meanMs(before: RouteTimes, after: RouteTimes, routes: string[]): RouteMean[] {
  const none = { sum: 0, count: 0, spent: noSpent() };
  return routes.map((route) => {
    const a = after.get(route) ?? none;
    const b = before.get(route) ?? none;
    const count = a.count - b.count;
    const per = (seconds: number) => (count > 0 ? (seconds / count) * 1000 : 0);
    const spentMs = Object.fromEntries(PARTS.map((p) => [p, per(a.spent[p] - b.spent[p])])) as Record<
      Part,
      number
    >;
    return { route, count, meanMs: per(a.sum - b.sum), spentMs };
  });
}

/** "688 ms (645; connection wait 210, statements 180, calls 212)". */
export function describeMean(r: RouteMean): string {
  const round = (v: number) => Math.round(v * 10) / 10;
  const parts = [
    r.spentMs.db_wait > 0 ? `connection wait ${round(r.spentMs.db_wait)}` : '',
    r.spentMs.db > 0 ? `statements ${round(r.spentMs.db)}` : '',
    r.spentMs.coordination > 0 ? `redis ${round(r.spentMs.coordination)}` : '',
    r.spentMs.calls > 0 ? `calls ${round(r.spentMs.calls)}` : '',
    r.spentMs.slot_wait > 0 ? `slot wait ${round(r.spentMs.slot_wait)}` : '',
  ].filter(Boolean);
  return `${round(r.meanMs)} ms (${r.count}${parts.length ? `; ${parts.join(', ')}` : ''})`;
}
