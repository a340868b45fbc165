import { Type, type Static } from '@sinclair/typebox';
import { baseConfigSchema, mergeConfigSchemas } from '@tiketi/platform';

/** Variables only the stats service reads. */
export const statsOwnConfig = Type.Object({
  STATS_LIVE_MIN_INTERVAL_MS: Type.Integer({
    default: 250,
    minimum: 0,
    description: 'least time between two pushes of the live dashboard feed (GET /api/stats/live)',
  }),
  STATS_LIVE_HEARTBEAT_MS: Type.Integer({
    default: 15_000,
    minimum: 100,
    description: 'keep-alive comment interval on the live feed, so proxies do not close an idle stream',
  }),
  STATS_LIVE_REFRESH_MS: Type.Integer({
    default: 60_000,
    minimum: 100,
    description: 'the live feed recomputes this often even without new events (the Seoul day rolls over)',
  }),
  STATS_TOP_EVENTS: Type.Integer({
    default: 5,
    minimum: 1,
    maximum: 50,
    description: 'events listed in the dashboard topEvents',
  }),
});

export const statsConfigSchema = mergeConfigSchemas(baseConfigSchema, statsOwnConfig);
export type StatsConfig = Static<typeof baseConfigSchema> & Static<typeof statsOwnConfig>;
