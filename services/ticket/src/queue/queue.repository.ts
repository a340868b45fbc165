import { sql, type Kysely } from 'kysely';

export type QueueMode = 'off' | 'on' | 'auto';

export interface QueueSettings {
  eventId: string;
  mode: QueueMode;
  autoThreshold: number;
  admissionsPerMinute: number;
  maxInside: number;
  sessionMinutes: number;
  preQueueMinutes: number;
  heartbeatTimeoutSeconds: number;
  updatedAt: string | null;
}

export type QueueSettingsInput = Omit<QueueSettings, 'eventId' | 'updatedAt'>;

export const DEFAULT_SETTINGS: QueueSettingsInput = {
  mode: 'off',
  autoThreshold: 500,
  admissionsPerMinute: 300,
  maxInside: 500,
  sessionMinutes: 10,
  preQueueMinutes: 30,
  heartbeatTimeoutSeconds: 60,
};

/** Events whose waiting room has nothing left to do. */
export const CLOSED_STATUSES = ['draft', 'cancelled', 'sale_closed', 'ended'];

/** What the waiting room needs to know about an event (read from the catalogue's tables). */
export interface QueueEventInfo {
  id: string;
  title: string;
  status: string;
  saleStartsAt: Date;
  saleEndsAt: Date;
}

function toSettings(row: Record<string, any>): QueueSettings {
  return {
    eventId: row.event_id,
    mode: row.mode as QueueMode,
    autoThreshold: row.auto_threshold,
    admissionsPerMinute: row.admissions_per_minute,
    maxInside: row.max_inside,
    sessionMinutes: row.session_minutes,
    preQueueMinutes: row.prequeue_minutes,
    heartbeatTimeoutSeconds: row.heartbeat_timeout_seconds,
    updatedAt: row.updated_at ? new Date(row.updated_at).toISOString() : null,
  };
}

/** Kysely only; `db` is already bound to the ticket schema. */
export class QueueRepository {
  constructor(private readonly db: Kysely<any>) {}

  async settings(eventId: string): Promise<QueueSettings | null> {
    const row = await this.db
      .selectFrom('queue_settings')
      .selectAll()
      .where('event_id', '=', eventId)
      .executeTakeFirst();
    return row ? toSettings(row) : null;
  }

  async saveSettings(
    eventId: string,
    input: QueueSettingsInput,
    actorId: string,
    trx: Kysely<any> = this.db,
  ): Promise<QueueSettings> {
    const values = {
      mode: input.mode,
      auto_threshold: input.autoThreshold,
      admissions_per_minute: input.admissionsPerMinute,
      max_inside: input.maxInside,
      session_minutes: input.sessionMinutes,
      prequeue_minutes: input.preQueueMinutes,
      heartbeat_timeout_seconds: input.heartbeatTimeoutSeconds,
      updated_by: actorId,
      updated_at: sql`now()`,
    };
    const row = await trx
      .insertInto('queue_settings')
      .values({ event_id: eventId, ...values })
      .onConflict((oc) => oc.column('event_id').doUpdateSet(values))
      .returningAll()
      .executeTakeFirstOrThrow();
    return toSettings(row);
  }

  /**
   * Every waiting room that is switched on or automatic, with its event. With `finishedSince`,
   * also rooms whose sale ended (or event closed) after that moment, so the ticker can tidy them.
   */
  async activeRooms(
    finishedSince?: Date,
  ): Promise<Array<{ settings: QueueSettings; event: QueueEventInfo }>> {
    const rows = await this.db
      .selectFrom('queue_settings as q')
      .innerJoin('events as e', 'e.id', 'q.event_id')
      .selectAll('q')
      .select(['e.title', 'e.status', 'e.sale_starts_at', 'e.sale_ends_at'])
      .where('q.mode', '!=', 'off')
      .where((eb) =>
        finishedSince
          ? eb.or([
              eb('e.status', 'not in', CLOSED_STATUSES),
              eb('e.sale_ends_at', '>', finishedSince),
              eb('e.updated_at', '>', finishedSince),
            ])
          : eb('e.status', 'not in', CLOSED_STATUSES),
      )
      .execute();
    return rows.map((row) => ({
      settings: toSettings(row),
      event: {
        id: row.event_id,
        title: row.title,
        status: row.status,
        saleStartsAt: new Date(row.sale_starts_at),
        saleEndsAt: new Date(row.sale_ends_at),
      },
    }));
  }

  async event(eventId: string): Promise<QueueEventInfo | null> {
    const row = await this.db
      .selectFrom('events')
      .select(['id', 'title', 'status', 'sale_starts_at', 'sale_ends_at'])
      .where('id', '=', eventId)
      .executeTakeFirst();
    if (!row) return null;
    return {
      id: row.id,
      title: row.title,
      status: row.status,
      saleStartsAt: new Date(row.sale_starts_at),
      saleEndsAt: new Date(row.sale_ends_at),
    };
  }

  /** Seats still for sale; null when the event has no seat rows (availability then follows its status alone). */
  async availableSeats(eventId: string): Promise<number | null> {
    const row = await this.db
      .selectFrom('seats')
      .select([
        sql<string>`count(*)`.as('total'),
        sql<string>`count(*) filter (where status = 'available')`.as('available'),
      ])
      .where('event_id', '=', eventId)
      .executeTakeFirstOrThrow();
    return Number(row.total) === 0 ? null : Number(row.available);
  }
}
