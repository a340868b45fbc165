import { arg, argString, publish } from './load';

export interface PaymentRunOptions {
  payments: number;
  latencyMs: number;
  concurrency: number;
}

/**
 * The payment-service benchmarks (`refunds`, `reconcile`): `--payments`, `--latency-ms` (the fake
 * provider's answer time) and one run per level in `--concurrency`, each on a fresh payment
 * service; prints and publishes one table. Embedded PGlite unless TIKETI_TEST_DATABASE_URL and
 * TIKETI_TEST_REDIS_URL name PostgreSQL and Redis.
 */
export async function publishPaymentRuns(
  args: string[],
  run: (options: PaymentRunOptions) => Promise<Record<string, string | number>>,
  describe: (options: { payments: number; latencyMs: number; mode: string }) => {
    title: string;
    notes: string[];
  },
): Promise<void> {
  const payments = arg(args, 'payments', 200);
  const latencyMs = arg(args, 'latency-ms', 200);
  const levels = argString(args, 'concurrency', '1,8')
    .split(',')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
  const mode = process.env.TIKETI_TEST_DATABASE_URL ? 'PostgreSQL and Redis' : 'embedded PGlite';
  const rows = [];
  for (const concurrency of levels) rows.push(await run({ payments, latencyMs, concurrency }));
  const { title, notes } = describe({ payments, latencyMs, mode });
  publish(args, title, rows, notes);
}
