import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/**
 * The events whose time or venue the organiser changed (event.updated carrying `previously`):
 * the latest change and the start it set. Kysely only.
 */
export class ChangedEventRepository {
  constructor(private readonly db: Kysely<any>) {}

  /** Keeps the latest change of each event however the facts arrive (again, or out of order). */
  async record(eventId: string, changedAt: Date, startsAt: Date): Promise<void> {
    await this.db
      .insertInto('changed_events')
      .values({ event_id: eventId, changed_at: changedAt, starts_at: startsAt })
      .onConflict((oc) =>
        oc.column('event_id').doUpdateSet({
          changed_at: sql`greatest(changed_events.changed_at, excluded.changed_at)`,
          starts_at: sql`case when excluded.changed_at >= changed_events.changed_at then excluded.starts_at else changed_events.starts_at end`,
        }),
      )
      .execute();
  }

  /** Whether the event was changed after `committedAt` and has not yet begun at `now`. */
  async changedSince(eventId: string, committedAt: Date, now: Date): Promise<boolean> {
    const row = await this.db
      .selectFrom('changed_events')
      .select('event_id')
      .where('event_id', '=', eventId)
      .where('changed_at', '>', committedAt)
      .where('starts_at', '>', now)
      .executeTakeFirst();
    return row !== undefined;
  }
}
