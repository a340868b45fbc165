import { Counter, Gauge } from 'prom-client';
import type { ServiceContext } from '@tiketi/platform';
import * as repo from './booking-mails.repository';

/** The mail worker's metrics: what became of each mail, and what is due and waiting. */
export function mailMetrics(ctx: ServiceContext<any>): Counter<'kind' | 'result'> {
  const outcomes = new Counter({
    name: 'ticket_booking_mails_total',
    help: 'Booking mails by kind (confirmed, refunded, reminder, sale_open, changed, seats_back) and result (sent, retry, failed, no_address, skipped)',
    labelNames: ['kind', 'result'],
    registers: [ctx.metrics],
  });
  // Read at each scrape: a backlog the relay's pace cannot clear shows before buyers notice (a
  // sale's alerts arriving after it opened). A scrape collects every metric at once: the two
  // gauges share one read.
  let reading: Promise<Array<{ kind: string; count: number; waited: number }>> | null = null;
  const backlog = () =>
    (reading ??= (async () => {
      const now = ctx.clock.now();
      const rows = await repo.dueByKind(ctx.db, now).catch(() => []);
      return rows.map((r) => ({
        kind: r.kind,
        count: r.count,
        waited: Math.max(0, (now.getTime() - r.oldest.getTime()) / 1000),
      }));
    })().finally(() => {
      reading = null;
    }));
  new Gauge({
    name: 'ticket_booking_mails_due',
    help: 'Mail due now and not yet sent, by kind',
    labelNames: ['kind'],
    registers: [ctx.metrics],
    async collect() {
      const rows = await backlog();
      this.reset();
      for (const r of rows) this.set({ kind: r.kind }, r.count);
    },
  });
  new Gauge({
    name: 'ticket_booking_mails_oldest_due_seconds',
    help: 'How long the oldest mail due has waited past its time, by kind (absent when none is due)',
    labelNames: ['kind'],
    registers: [ctx.metrics],
    async collect() {
      const rows = await backlog();
      this.reset();
      for (const r of rows) this.set({ kind: r.kind }, r.waited);
    },
  });
  return outcomes;
}
