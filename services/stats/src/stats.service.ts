import { defineService, outboxMigration } from '@tiketi/platform';
import { statsConfigSchema, type StatsConfig } from './stats.config';

export const statsService = defineService<StatsConfig>({
  name: 'stats',
  portKey: 'STATS_PORT',
  schema: 'stats',
  configSchema: statsConfigSchema,
  migrations: {
    '0001_outbox': outboxMigration('stats'),
  },
  openapi: { title: 'TIKETI stats service', description: 'Stats service API' },
  async routes() {},
});
