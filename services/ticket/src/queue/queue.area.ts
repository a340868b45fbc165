import type { ServiceContext } from '@tiketi/platform';
import type { TicketArea, TicketShared } from '../ticket.area';
import type { TicketConfig } from '../ticket.config';
import { queueMigrations } from './queue.migrations';
import { QueueRepository } from './queue.repository';
import { QueueState } from './queue.state';
import { createQueueMetrics } from './queue.metrics';
import { QueueService } from './queue.service';
import { QueueTicker } from './queue.ticker';
import { QueueAdmin } from './queue.admin';
import { registerQueueRoutes } from './queue.routes';

export interface QueueRuntime {
  service: QueueService;
  ticker: QueueTicker;
  /** The areas' shared registry (tests observe realtime pushes through it). */
  shared: TicketShared;
}

// Keyed by context so two ticket services in one process (tests, replicas) never share state.
const runtimes = new WeakMap<ServiceContext<any>, QueueRuntime>();

/** The queue of one ticket-service instance: tests drive `ticker.tick()` with a fake clock. */
export function queueRuntime(ctx: ServiceContext<any>): QueueRuntime {
  const runtime = runtimes.get(ctx);
  if (!runtime) throw new Error('the queue area has not been registered on this service');
  return runtime;
}

export const queueArea: TicketArea = {
  name: 'queue',
  migrations: queueMigrations,
  async routes(app, ctx: ServiceContext<TicketConfig>, shared) {
    const service = new QueueService(
      ctx,
      shared,
      new QueueRepository(ctx.db),
      new QueueState(ctx.coordination),
      createQueueMetrics(ctx.metrics),
    );
    const ticker = new QueueTicker(ctx, service);
    runtimes.set(ctx, { service, ticker, shared });
    shared.queueGate = service;
    await registerQueueRoutes(app, service, new QueueAdmin(ctx));
  },
  async start(ctx) {
    const { ticker } = queueRuntime(ctx);
    ticker.start(ctx.config.QUEUE_TICK_MS);
    ctx.onClose(() => ticker.stop());
  },
};
