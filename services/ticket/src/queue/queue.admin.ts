import { AppError, enqueueEvent, type AuthUser, type ServiceContext } from '@tiketi/platform';
import { EventTypes } from '@tiketi/contracts';
import type { TicketConfig } from '../ticket.config';
import {
  QueueRepository,
  DEFAULT_SETTINGS,
  type QueueMode,
  type QueueSettings,
  type QueueSettingsInput,
} from './queue.repository';
import { QueueState } from './queue.state';

export interface QueueLive {
  active: boolean;
  closed: boolean;
  waiting: number;
  inside: number;
  /** Measured over the last minute; 0 before anyone was admitted. */
  admittedPerMinute: number;
  abandoned: number;
  oldestWaitSeconds: number;
}

export interface QueueSettingsPatch extends Partial<QueueSettingsInput> {
  enabled?: boolean;
}

function isActive(settings: QueueSettings, waiting: number, autoUntil: number, now: number): boolean {
  if (settings.mode === 'off') return false;
  return settings.mode === 'on' || autoUntil > now || waiting > 0;
}

export async function liveFigures(
  ctx: ServiceContext<TicketConfig>,
  settings: QueueSettings,
): Promise<QueueLive> {
  const state = new QueueState(ctx.coordination);
  const now = ctx.clock.now().getTime();
  const eventId = settings.eventId;
  const [meta, waiting, inside, abandoned, oldest] = await Promise.all([
    state.meta(eventId),
    state.waiting(eventId),
    state.inside(eventId, now),
    state.abandoned(eventId),
    state.oldestJoin(eventId),
  ]);
  const measured = await state.measuredPerMinute(eventId, now, meta.firstAdmitAt);
  return {
    active: isActive(settings, waiting, meta.autoUntil, now),
    closed: meta.closed,
    waiting,
    inside,
    admittedPerMinute: Math.round((measured ?? 0) * 10) / 10,
    abandoned,
    oldestWaitSeconds: oldest === null ? 0 : Math.max(0, Math.round((now - oldest) / 1000)),
  };
}

/** Operator side: settings in the ticket schema, live figures from coordination. */
export class QueueAdmin {
  private readonly repo: QueueRepository;

  constructor(private readonly ctx: ServiceContext<TicketConfig>) {
    this.repo = new QueueRepository(ctx.db);
  }

  private async settingsOf(eventId: string): Promise<QueueSettings> {
    if (!(await this.repo.event(eventId))) throw AppError.notFound('EVENT_NOT_FOUND', 'Event not found');
    return (await this.repo.settings(eventId)) ?? { eventId, updatedAt: null, ...DEFAULT_SETTINGS };
  }

  async get(eventId: string): Promise<{ settings: QueueSettings; live: QueueLive }> {
    const settings = await this.settingsOf(eventId);
    return { settings, live: await liveFigures(this.ctx, settings) };
  }

  async put(
    eventId: string,
    patch: QueueSettingsPatch,
    actor: AuthUser,
  ): Promise<{ settings: QueueSettings; live: QueueLive }> {
    const before = await this.settingsOf(eventId);
    let mode: QueueMode = patch.mode ?? before.mode;
    if (patch.enabled !== undefined) {
      if (patch.mode !== undefined && (patch.mode !== 'off') !== patch.enabled) {
        throw AppError.invalid('QUEUE_SETTINGS_INVALID', 'enabled and mode disagree', {
          enabled: patch.enabled,
          mode: patch.mode,
        });
      }
      if (patch.mode === undefined)
        mode = patch.enabled ? (before.mode === 'off' ? 'on' : before.mode) : 'off';
    }
    const input: QueueSettingsInput = {
      mode,
      autoThreshold: patch.autoThreshold ?? before.autoThreshold,
      admissionsPerMinute: patch.admissionsPerMinute ?? before.admissionsPerMinute,
      maxInside: patch.maxInside ?? before.maxInside,
      sessionMinutes: patch.sessionMinutes ?? before.sessionMinutes,
      preQueueMinutes: patch.preQueueMinutes ?? before.preQueueMinutes,
      heartbeatTimeoutSeconds: patch.heartbeatTimeoutSeconds ?? before.heartbeatTimeoutSeconds,
    };
    const settings = await this.ctx.db.transaction().execute(async (trx) => {
      const saved = await this.repo.saveSettings(eventId, input, actor.id, trx);
      await enqueueEvent(trx, this.ctx.schema, 'ticket', EventTypes.auditRecorded, {
        actorId: actor.id,
        actorEmail: actor.email,
        action: 'event.queue',
        targetType: 'event',
        targetId: eventId,
        before: before.updatedAt ? before : undefined,
        after: saved,
        occurredAt: this.ctx.clock.now().toISOString(),
      });
      return saved;
    });
    this.ctx.relay?.poke();
    return { settings, live: await liveFigures(this.ctx, settings) };
  }
}

/** The queue part of GET /internal/ops: every waiting room that is on or automatic. */
export async function queueOpsSnapshot(
  ctx: ServiceContext<TicketConfig>,
): Promise<Array<{ eventId: string; title: string; waiting: number; inside: number }>> {
  const state = new QueueState(ctx.coordination);
  const now = ctx.clock.now().getTime();
  const rooms = await new QueueRepository(ctx.db).activeRooms();
  return Promise.all(
    rooms.map(async ({ event }) => ({
      eventId: event.id,
      title: event.title,
      waiting: await state.waiting(event.id),
      inside: await state.inside(event.id, now),
    })),
  );
}
