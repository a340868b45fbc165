import type { ServiceContext } from '@tiketi/platform';
import type { StatsConfig } from './stats.config';
import { ingestBatch } from './projection/stats.ingest';
import { STATS_EVENT_TYPES } from './projection/stats.projector';

/** Coordination channel: some replica applied a fact, live feeds everywhere should refresh. */
export const STATS_CHANGED_CHANNEL = 'stats:changed';

export interface ConsumerHooks {
  applied(type: string): void;
}

/**
 * Two groups: the business read models and the audit log. Both keep every envelope in the
 * history (unique by event id), which is what a rebuild replays.
 */
export async function startStatsConsumers(
  ctx: ServiceContext<StatsConfig>,
  hooks: ConsumerHooks,
): Promise<void> {
  const groups: Array<{ group: string; types: string[] }> = [
    { group: 'stats.readmodels', types: STATS_EVENT_TYPES.filter((t) => t !== 'audit.recorded') },
    { group: 'stats.audit', types: ['audit.recorded'] },
  ];
  for (const { group, types } of groups) {
    // fromStart: facts published while the other services started before this one still count.
    // lingerMs: a read model a fifth of a second behind costs nobody anything, and under a flash sale
    // it turns one transaction of five statements per fact into one per batch.
    const stop = await ctx.bus.subscribeBatch(
      { group, types, fromStart: true, lingerMs: 200 },
      async (events) => {
        const result = await ingestBatch(ctx.db, group, events);
        for (const event of result.malformed)
          ctx.log.warn(
            { eventId: event.id, type: event.type },
            'malformed event kept in history, not counted',
          );
        if (result.applied.length === 0) return;
        for (const event of result.applied) hooks.applied(event.type);
        // Live feeds refresh on any change: one message per kind of fact in the batch is enough.
        for (const type of new Set(result.applied.map((e) => e.type))) {
          await ctx.coordination
            .publish(STATS_CHANGED_CHANNEL, type)
            .catch((err) => ctx.log.warn({ err }, 'stats change not broadcast'));
        }
      },
    );
    ctx.onClose(stop);
  }
}
