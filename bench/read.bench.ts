import { measureCeilings, ceilingRows } from './lib/ceilings';
import { arg, createOnSaleEvent, drive, HttpClient, publish, round, startBenchCluster } from './lib/load';
import { allInOneIdleRss, bundledIdleRss, clusterIdleRss, mib } from './lib/memory';
import { summarize } from './lib/report';

/**
 * `npm run bench -- read [--seconds 10] [--connections 64] [--map-seats 10000] [--events 20] [--no-all-in-one] [--no-bundled] [--dry-run]`
 *
 * Production mode (each service its own process on PostgreSQL and Redis): the buyer's reads
 * through the gateway, each for `seconds` at `connections` keep-alive connections: the event list,
 * one event's detail, and the seat map of a `map-seats` event (asked for as a browser asks, gzip,
 * and with no accept-encoding, which gets the whole JSON). Also measures, in the same run,
 * the gateway's trivial-route ceiling and PostgreSQL's single-row update commits, and the idle
 * resident memory of every service process (as the cluster runs them, under tsx, and bundled by
 * deploy/docker/build.mjs as their containers run them) and of the all-in-one process.
 * Targets: detail >= 5,000 req/s, 10,000-seat map >= 1,000 req/s, p95 <= 50 ms; idle services
 * <= 150 MB each, all-in-one <= 400 MB.
 */
export default async function readBench(args: string[]): Promise<void> {
  const seconds = arg(args, 'seconds', 10);
  const connections = arg(args, 'connections', 64);
  const mapSeats = Math.max(100, Math.round(arg(args, 'map-seats', 10_000) / 100) * 100);
  const eventCount = arg(args, 'events', 20);
  const withAllInOne = !args.includes('--no-all-in-one');

  const bench = await startBenchCluster('bench_read', { connections });
  try {
    // Idle memory first, before any load warms caches.
    await new Promise((r) => setTimeout(r, 2_000));
    const idle = await clusterIdleRss(bench.cluster.urls);

    const adminToken = await bench.adminToken();
    for (let i = 0; i < eventCount - 1; i++)
      await createOnSaleEvent(bench.client, adminToken, { title: `Read bench ${i + 1}`, seats: 200 });
    const { eventId } = await createOnSaleEvent(bench.client, adminToken, {
      title: 'Read bench stadium',
      seats: mapSeats,
    });

    const ceilings = await measureCeilings(bench.gateway, bench.cluster.databaseUrl, {
      seconds: Math.min(seconds, 5),
      connections,
      upstreamUrl: bench.cluster.urls.payment,
    });

    const client = new HttpClient(bench.gateway, connections);
    const rows: Array<Record<string, string | number>> = [];
    const map = `seat map (${mapSeats} seats)`;
    const targets: Record<string, { rps: number; p95: number }> = {
      'event list': { rps: 0, p95: 50 },
      'event detail': { rps: 5_000, p95: 50 },
      [map]: { rps: 1_000, p95: 50 },
    };
    // A browser asks for gzip; the identity answer is what a client that accepts no encoding gets.
    const browser = { 'accept-encoding': 'gzip, deflate, br' };
    const paths: Array<[string, string, Record<string, string>, string]> = [
      ['event list', '/api/events', {}, ''],
      ['event detail', `/api/events/${eventId}`, {}, ''],
      [map, `/api/events/${eventId}/seats`, {}, ', no accept-encoding'],
      [map, `/api/events/${eventId}/seats`, browser, ', gzip as a browser asks'],
    ];
    let bytes = 0;
    let gzipBytes = 0;
    for (const [name, path, headers, how] of paths) {
      const warm = await client.request('GET', path, { raw: true, headers });
      if (warm.status !== 200) throw new Error(`${path} answered ${warm.status}`);
      if (name === map) {
        if (how.includes('gzip')) gzipBytes = warm.bytes;
        else bytes = warm.bytes;
      }
      const latencies: number[] = [];
      const failures: Record<string, number> = {};
      const cacheBefore = await edgeCacheCounts(bench.gateway);
      const run = await drive({ workers: connections, seconds }, async () => {
        const res = await client.request('GET', path, { raw: true, headers });
        if (res.status === 200) latencies.push(res.ms);
        else failures[res.error ?? String(res.status)] = (failures[res.error ?? String(res.status)] ?? 0) + 1;
      });
      const cacheAfter = await edgeCacheCounts(bench.gateway);
      const hits = cacheAfter.hit - cacheBefore.hit;
      const asked = hits + cacheAfter.miss - cacheBefore.miss;
      const s = summarize(latencies);
      const rps = latencies.length / (run.elapsedMs / 1000);
      const t = targets[name]!;
      rows.push({
        measure: `${name}: GET ${path.replace(eventId, ':id')} (${round(warm.bytes / 1024)} KiB${how})`,
        value: Math.round(rps),
        unit: 'req/s',
        'p50 ms': round(s.p50, 2),
        'p95 ms': round(s.p95, 2),
        'p99 ms': round(s.p99, 2),
        ratio: round(rps / ceilings.gatewayRps, 3),
        'edge cache hits': asked > 0 ? `${round((hits / asked) * 100, 1)}%` : '-',
        target: t.rps ? `>= ${t.rps} req/s, p95 <= ${t.p95} ms` : `p95 <= ${t.p95} ms`,
        met:
          (rps >= t.rps && s.p95 <= t.p95 ? 'yes' : 'NO') +
          (Object.keys(failures).length ? ` (failures ${JSON.stringify(failures)})` : ''),
      });
    }
    client.close();

    for (const [service, rss] of Object.entries(idle)) {
      rows.push({
        measure: `idle RSS: ${service} process (tsx)`,
        value: mib(rss),
        unit: 'MiB',
        target: '<= 150 MB',
        met: rss <= 150e6 ? 'yes' : 'NO',
      });
    }
    if (!args.includes('--no-bundled')) {
      const bundled = await bundledIdleRss(bench.cluster.env, Object.keys(idle));
      for (const [service, rss] of Object.entries(bundled)) {
        rows.push({
          measure: `idle RSS: ${service} process (bundled server.mjs, as in its container)`,
          value: mib(rss),
          unit: 'MiB',
          target: '<= 150 MB',
          met: rss <= 150e6 ? 'yes' : 'NO',
        });
      }
    }
    if (withAllInOne) {
      const aio = await allInOneIdleRss();
      rows.push({
        measure: `idle RSS: all-in-one process, first start (${aio.parts}, initdb, migrations and demo seed done in a short-lived child first, as npm start does)`,
        value: mib(aio.firstStart),
        unit: 'MiB',
        target: '<= 400 MB',
        met: aio.firstStart <= 400e6 ? 'yes' : 'NO',
      });
      rows.push({
        measure: 'idle RSS: all-in-one process, restarted on its data',
        value: mib(aio.restart),
        unit: 'MiB',
        target: '<= 400 MB',
        met: aio.restart <= 400e6 ? 'yes' : 'NO',
      });
    }

    publish(
      args,
      `read (production mode, ${connections} connections, ${seconds}s per route)`,
      [...ceilingRows(ceilings, connections), ...rows],
      [
        `ratio = requests/s over the gateway trivial-route ceiling measured in the same run (${Math.round(ceilings.gatewayRps)} req/s); the load generator runs on the same 2 cores`,
        `${eventCount} published events; the seat map answer is ${round(bytes / 1024)} KiB, ${round(gzipBytes / 1024)} KiB gzipped (served from a copy compressed once per map version); reads are anonymous (no token), as a buyer browsing; the gateway answers the list and the detail from its one-second edge cache when the ticket service marks them public (ADR 0005; GATEWAY_EDGE_CACHE_ENTRIES=0 turns it off)`,
        "idle RSS from each process's process_resident_memory_bytes (/metrics) before any load; bundled: each service built by deploy/docker/build.mjs and started with plain node as an extra replica, read 3 s after ready; all-in-one (npm start's tsx process) measured in a child after start-up and one request, on a fresh data directory and again restarted on it",
      ],
    );
  } finally {
    await bench.stop();
  }
}

/** The gateway's edge-cache counters (ADR 0005): reads answered at the edge, and reads forwarded. */
async function edgeCacheCounts(gateway: string): Promise<{ hit: number; miss: number }> {
  const text = await (await fetch(`${gateway}/metrics`)).text();
  const count = (outcome: string) =>
    Number(
      new RegExp(`^tiketi_gateway_edge_cache_total\\{outcome="${outcome}"[^}]*\\} ([0-9.e+]+)$`, 'm').exec(
        text,
      )?.[1] ?? 0,
    );
  return { hit: count('hit'), miss: count('miss') };
}
