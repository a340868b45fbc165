import { defineService, outboxClaimMigration, outboxMigration, type ServiceContext } from '@tiketi/platform';
import { statsConfigSchema, type StatsConfig } from './stats.config';
import { statsReadModelsMigration } from './stats.migrations';
import { FiguresService } from './queries/figures.service';
import { registerStatsMetrics, type StatsMetrics } from './stats.metrics';
import { LiveHub } from './live/live.hub';
import { liveRoutes } from './live/live.routes';
import { statsRoutes } from './stats.routes';
import { STATS_CHANGED_CHANNEL, startStatsConsumers } from './stats.consumer';

interface StatsRuntime {
  figures: FiguresService;
  metrics: StatsMetrics;
  hub: LiveHub;
}

/** Per context: one process may run several stats instances (tests). */
const runtimes = new WeakMap<ServiceContext<StatsConfig>, StatsRuntime>();

function runtime(ctx: ServiceContext<StatsConfig>): StatsRuntime {
  let rt = runtimes.get(ctx);
  if (!rt) {
    const figures = new FiguresService(ctx.db, ctx.clock, ctx.config.STATS_TOP_EVENTS);
    const hub = new LiveHub(
      async () => {
        const { generatedAt: _generatedAt, ...figuresOnly } = await figures.dashboard();
        return figuresOnly;
      },
      ctx.config.STATS_LIVE_MIN_INTERVAL_MS,
      ctx.log,
    );
    rt = { figures, hub, metrics: registerStatsMetrics(ctx.metrics, figures, ctx.log) };
    runtimes.set(ctx, rt);
  }
  return rt;
}

export const statsService = defineService<StatsConfig>({
  name: 'stats',
  portKey: 'STATS_PORT',
  schema: 'stats',
  configSchema: statsConfigSchema,
  migrations: {
    '0001_outbox': outboxMigration('stats'),
    '0001_outbox_claim': outboxClaimMigration('stats'),
    '0002_read_models': statsReadModelsMigration,
  },
  openapi: {
    title: 'TIKETI stats service',
    description: 'Sales, reservations, users and conversion read models; the audit log; business metrics',
  },
  async routes(app, ctx) {
    const rt = runtime(ctx);
    await statsRoutes(app, ctx, {
      figures: rt.figures,
      rebuilt: () => void ctx.coordination.publish(STATS_CHANGED_CHANNEL, 'rebuild'),
    });
    await liveRoutes(app, ctx, rt.hub);
  },
  async start(ctx) {
    const rt = runtime(ctx);
    const unsubscribe = await ctx.coordination.subscribe(STATS_CHANGED_CHANNEL, () => rt.hub.markDirty());
    const refresh = setInterval(() => rt.hub.markDirty(), ctx.config.STATS_LIVE_REFRESH_MS);
    refresh.unref();
    ctx.onClose(async () => {
      clearInterval(refresh);
      rt.hub.close();
      await unsubscribe();
    });
    await startStatsConsumers(ctx, { applied: (type) => rt.metrics.reservationApplied(type) });
  },
});
