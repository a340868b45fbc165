/**
 * Where a request's time went, from the services' own `http_request_duration_seconds` histograms:
 * read before and after a window, the difference per route is the mean time each process spent on
 * it, from Fastify taking the request to the answer leaving. The gap between what the load
 * generator saw and the outermost process's figure is time spent waiting to be read at all.
 */
type RouteTimes = Map<string, { sum: number; count: number }>;

const LINE = /^\w*http_request_duration_seconds_(sum|count)\{([^}]*)\} ([0-9.e+-]+)$/;

export async function routeTimes(url: string): Promise<RouteTimes> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: RouteTimes = new Map();
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    const key = `${labels.method} ${labels.route}`;
    const entry = out.get(key) ?? { sum: 0, count: 0 };
    entry[m[1] as 'sum' | 'count'] += Number(m[3]);
    out.set(key, entry);
  }
  return out;
}

/** Mean ms per request of each route asked for, over the window between the two readings. */
export function meanMs(before: RouteTimes, after: RouteTimes, routes: string[]): Array<{ route: string; count: number; meanMs: number }> {
  return routes.map((route) => {
    const a = after.get(route) ?? { sum: 0, count: 0 };
    const b = before.get(route) ?? { sum: 0, count: 0 };
    const count = a.count - b.count;
    return { route, count, meanMs: count > 0 ? ((a.sum - b.sum) / count) * 1000 : 0 };
  });
}
