import { createTestDatabase, startTestService, type TestService } from '@tiketi/testing';
import { createTicketService, type TicketConfig } from '@tiketi/ticket';
import type { AuthUser } from '@tiketi/platform';
import { catalogueFor } from '../../services/ticket/src/catalogue/index';

export const BENCH_ADMIN: AuthUser = { id: 'usr_bench_admin', role: 'admin', sid: 'bench' };

/** A stadium of `seats` seats in the compact layout form: sections of 50 rows x 100 seats. */
export function stadiumLayout(seats: number) {
  const perSection = 5_000;
  const sections = [];
  for (let s = 0, left = seats; left > 0; s++, left -= perSection) {
    const inSection = Math.min(perSection, left);
    const rows = [];
    for (let r = 0, rest = inSection; rest > 0; r++, rest -= 100)
      rows.push({ label: String(r + 1), seats: Math.min(100, rest) });
    sections.push({ name: `Block ${String.fromCharCode(65 + s)}`, price: 50_000 + s * 10_000, rows });
  }
  return { version: 1, sections };
}

export function eventInput(title: string, seats: number) {
  const day = 24 * 3_600_000;
  const now = Date.now();
  return {
    title,
    category: 'sports' as const,
    venueName: 'Bench Stadium',
    startsAt: new Date(now + 30 * day).toISOString(),
    endsAt: new Date(now + 30 * day + 3 * 3_600_000).toISOString(),
    saleStartsAt: new Date(now - day).toISOString(),
    saleEndsAt: new Date(now + 29 * day).toISOString(),
    layout: stadiumLayout(seats),
  };
}

/**
 * The ticket service on a throwaway database: PostgreSQL when TIKETI_TEST_DATABASE_URL is set
 * (and Redis with TIKETI_TEST_REDIS_URL), otherwise embedded PGlite and in-process coordination.
 */
export async function startBenchTicket(
  listen = false,
): Promise<{ svc: TestService<TicketConfig>; mode: string; close(): Promise<void> }> {
  const database = await createTestDatabase('bench');
  const svc = await startTestService(createTicketService(), {
    database,
    listen,
    env: { DATABASE_POOL_MAX: '20' },
  });
  const mode = process.env.TIKETI_TEST_DATABASE_URL ? 'postgresql' : 'pglite';
  return {
    svc,
    mode,
    async close() {
      await svc.close();
      await database.drop();
    },
  };
}

export { catalogueFor };
