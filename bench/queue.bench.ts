import { performance } from 'node:perf_hooks';
import { MemoryCoordination, RedisCoordination, type Coordination } from '@tiketi/platform';
import { QueueState, POST_OPEN_BAND } from '../services/ticket/src/queue/queue.state';
import { report, summarize } from './lib/report';

/**
 * `npm run bench -- queue [--buyers 100000] [--concurrency 64]` against real Redis
 * (TIKETI_BENCH_REDIS_URL, else TIKETI_TEST_REDIS_URL, else redis://127.0.0.1:6379).
 *
 * Drives the waiting room's coordination path, the part that grows with the crowd: a join is
 * INCR + three ZADDs, a status lookup is ZRANK + ZADD (heartbeat) + the room hash, exactly as
 * QueueService does them. Then it measures ZRANK alone at 1,000 / 10,000 / 100,000 waiting to
 * show how position lookups scale (Redis sorted sets: O(log n)). Keys live under a unique prefix
 * and are deleted at the end.
 */
function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/** Runs `count` operations with at most `concurrency` in flight; returns per-op ms and total ms. */
async function drive(count: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<{ latencies: number[]; totalMs: number }> {
  const latencies = new Array<number>(count);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= count) return;
        const t0 = performance.now();
        await op(i);
        latencies[i] = performance.now() - t0;
      }
    }),
  );
  return { latencies, totalMs: performance.now() - started };
}

const ms = (v: number) => Math.round(v * 1000) / 1000;

export default async function queueBench(args: string[]): Promise<void> {
  const buyers = arg(args, 'buyers', 100_000);
  const concurrency = arg(args, 'concurrency', 64);
  const lookups = Math.min(buyers, arg(args, 'lookups', 20_000));
  const url = process.env.TIKETI_BENCH_REDIS_URL || process.env.TIKETI_TEST_REDIS_URL || 'redis://127.0.0.1:6379';
  const prefix = `bench:queue:${Date.now().toString(36)}:`;
  const coord = await RedisCoordination.connect(url, { keyPrefix: prefix });
  const state = new QueueState(coord);
  const eventId = 'evt_bench';
  const userId = (i: number) => `usr_bench_${i.toString().padStart(7, '0')}`;
  const now = Date.now();
  const rows: Array<Record<string, string | number>> = [];

  try {
    const joins = await drive(buyers, concurrency, async (i) => {
      const seq = await state.nextSeq(eventId);
      await state.enqueue(eventId, userId(i), POST_OPEN_BAND + seq, now + i);
    });
    const joinStats = summarize(joins.latencies);
    rows.push({
      operation: 'join',
      count: buyers,
      'ops/s': Math.round((buyers / joins.totalMs) * 1000),
      'p50 ms': ms(joinStats.p50),
      'p95 ms': ms(joinStats.p95),
      'p99 ms': ms(joinStats.p99),
    });
    if ((await state.waiting(eventId)) !== buyers) throw new Error('join lost buyers');

    const status = await drive(lookups, concurrency, async (i) => {
      const id = userId(Math.floor((i * 7919) % buyers));
      await state.rank(eventId, id);
      await state.touch(eventId, id, now + i);
      await state.meta(eventId);
    });
    const statusStats = summarize(status.latencies);
    rows.push({
      operation: 'status lookup',
      count: lookups,
      'ops/s': Math.round((lookups / status.totalMs) * 1000),
      'p50 ms': ms(statusStats.p50),
      'p95 ms': ms(statusStats.p95),
      'p99 ms': ms(statusStats.p99),
    });

    // Position lookup cost as the line grows, one lookup at a time: Redis (production) and the
    // in-process implementation (embedded default) side by side.
    const memory = new MemoryCoordination();
    for (const [label, c] of [['redis', coord], ['embedded', memory]] as Array<[string, Coordination]>) {
      const st = new QueueState(c);
      for (const size of [1_000, 10_000, 100_000].filter((n) => n <= buyers)) {
        const key = `size${size}`;
        for (let from = 0; from < size; from += 5_000) {
          await c.zadd(
            `queue:${key}:wait`,
            Array.from({ length: Math.min(5_000, size - from) }, (_, k) => ({ member: userId(from + k), score: from + k })),
          );
        }
        const probes = label === 'redis' ? 5_000 : 500;
        const rank = await drive(probes, 1, (i) => st.rank(key, userId((i * 104_729) % size)));
        const s = summarize(rank.latencies);
        rows.push({
          operation: `position lookup (${label}) @ ${size.toLocaleString('en')} waiting`,
          count: probes,
          'ops/s': Math.round((probes / rank.totalMs) * 1000),
          'p50 ms': ms(s.p50),
          'p95 ms': ms(s.p95),
          'p99 ms': ms(s.p99),
        });
        await c.del(`queue:${key}:wait`);
      }
    }
    await memory.close();
  } finally {
    await state.clear(eventId);
    await coord.del([`queue:${eventId}:joined`, `queue:${eventId}:seen`]);
    await coord.close();
  }

  report(`queue (${buyers.toLocaleString('en')} buyers, concurrency ${concurrency}, Redis ${new URL(url).host})`, rows, [
    'join = INCR seq + ZADD NX wait + ZADD NX joined + ZADD seen; status = ZRANK + ZADD seen + HGETALL meta (as QueueService does).',
    'position lookups run one at a time: Redis ZRANK is O(log n), so its cost is the round trip at every size; the embedded in-process set counts members (O(n)), fine for one machine, not for a 100,000 crowd.',
  ]);
}
