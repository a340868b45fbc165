import { sql } from 'kysely';
import { newId, releaseLease, tryAcquireLease, type ServiceContext } from '@tiketi/platform';
import type { EventStatus } from '@tiketi/contracts';
import type { TicketConfig } from '../ticket.config';
import type { CatalogueCache } from './catalogue.cache';
import type { CatalogueMetrics } from './catalogue.metrics';
import { emitEventChanged } from './catalogue.events';
import { updateEvent, type EventRow } from './event.repository';
import { deriveStatus } from './event.status';
import { countAvailable } from './seat.repository';

const LEASE_KEY = 'catalogue:scheduler:lease';
const BATCH = 100;

/**
 * Moves published events along the clock: scheduled -> on_sale (or sold_out) at saleStartsAt,
 * -> sale_closed at saleEndsAt, -> ended at endsAt. Safe with many replicas: one holds a lease and
 * does the work; even without it each row is locked FOR UPDATE SKIP LOCKED and updated only from
 * the status it was read in, so no transition happens twice. The lease only saves work: when
 * coordination cannot be asked for it, every replica runs and the row locks keep them apart, so
 * sales still open and close on time through a Redis outage.
 */
export class CatalogueScheduler {
  private readonly holder = newId('sch');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private lastWarnAt = 0;

  constructor(
    private readonly ctx: ServiceContext<TicketConfig>,
    private readonly cache: CatalogueCache,
    private readonly metrics?: CatalogueMetrics,
  ) {}

  /** Applies every transition due at `now`; returns how many events changed status. */
  async tick(now: Date = this.ctx.clock.now()): Promise<number> {
    let changed = 0;
    for (;;) {
      const ids = await this.ctx.db.transaction().execute(async (trx) => {
        const due = await sql<EventRow>`
          select * from ${sql.table('ticket.events')}
          where (status = 'scheduled' and (sale_starts_at <= ${now} or ends_at <= ${now}))
             or (status in ('on_sale', 'sold_out') and (sale_ends_at <= ${now} or ends_at <= ${now}))
             or (status = 'sale_closed' and ends_at <= ${now})
          order by sale_starts_at
          limit ${BATCH}
          for update skip locked`.execute(trx);
        const moved: string[] = [];
        for (const row of due.rows) {
          const available = await countAvailable(trx, row.id);
          const status = deriveStatus(
            {
              status: row.status as EventStatus,
              saleStartsAt: new Date(row.sale_starts_at),
              saleEndsAt: new Date(row.sale_ends_at),
              endsAt: new Date(row.ends_at),
              available,
            },
            now,
          );
          if (status === row.status) continue;
          // Conditional on the status read: a replica that got here second changes nothing.
          if (!(await updateEvent(trx, row.id, { status }, row.status))) continue;
          await emitEventChanged(trx, 'event.updated', { ...row, status }, available);
          moved.push(row.id);
          this.metrics?.transitions.inc({ to: status, cause: 'clock' });
        }
        return { moved, more: due.rows.length === BATCH && moved.length > 0 };
      });
      changed += ids.moved.length;
      for (const id of ids.moved) await this.cache.invalidate(id);
      if (ids.moved.length > 0) this.ctx.relay?.poke();
      if (!ids.more) break;
    }
    if (changed > 0) this.ctx.log.info({ changed }, 'event statuses moved by the clock');
    return changed;
  }

  /** True when this replica holds the lease, or when coordination cannot say who does. */
  async mayRun(leaseMs: number): Promise<boolean> {
    try {
      return await tryAcquireLease(this.ctx.coordination, LEASE_KEY, this.holder, leaseMs);
    } catch (err) {
      this.metrics?.schedulerWithoutLease.inc();
      if (Date.now() - this.lastWarnAt >= 30_000) {
        this.lastWarnAt = Date.now();
        this.ctx.log.warn(
          { err: (err as Error)?.message ?? String(err) },
          'scheduler lease unavailable (coordination down); running without it, row locks keep transitions single',
        );
      }
      return true;
    }
  }

  start(intervalMs: number): void {
    const loop = async () => {
      try {
        if (await this.mayRun(Math.max(intervalMs * 5, 5_000))) {
          this.running = this.tick();
          await this.running;
        }
      } catch (err) {
        this.ctx.log.warn({ err }, 'catalogue scheduler tick failed; will retry');
      } finally {
        this.running = null;
      }
      if (this.timer) {
        this.timer = setTimeout(() => void loop(), intervalMs);
        this.timer.unref();
      }
    };
    this.timer = setTimeout(() => void loop(), intervalMs);
    this.timer.unref();
    this.ctx.onClose(() => this.stop());
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
    await releaseLease(this.ctx.coordination, LEASE_KEY, this.holder).catch(() => undefined);
  }
}
