import type { FastifyInstance, FastifyReply } from 'fastify';
import { QUEUE_ROOM_HEADER } from '@tiketi/contracts';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { currentUser, requireAdmin, requireUser } from '@tiketi/platform';
import type { QueueService } from './queue.service';
import type { QueueAdmin } from './queue.admin';

const Mode = Type.Union([Type.Literal('off'), Type.Literal('on'), Type.Literal('auto')], {
  description:
    'off; on (always queue); auto (queue while arrivals per minute exceed autoThreshold, the room is full, or anyone waits)',
});

const SettingsBody = Type.Object(
  {
    mode: Type.Optional(Mode),
    enabled: Type.Optional(
      Type.Boolean({ description: 'shorthand: false = off, true = on (or keeps auto)' }),
    ),
    autoThreshold: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1_000_000,
        description: 'arrivals per minute that switch auto mode on',
      }),
    ),
    admissionsPerMinute: Type.Optional(Type.Integer({ minimum: 1, maximum: 600_000 })),
    maxInside: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'admitted buyers allowed at once' }),
    ),
    sessionMinutes: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 240, description: 'how long an admission lasts' }),
    ),
    preQueueMinutes: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 1440, description: 'the room opens this long before the sale' }),
    ),
    heartbeatTimeoutSeconds: Type.Optional(
      Type.Integer({
        minimum: 10,
        maximum: 3600,
        description: 'a waiting buyer silent for longer loses the place',
      }),
    ),
  },
  { additionalProperties: false },
);

const SettingsView = Type.Object({
  eventId: Type.String(),
  mode: Mode,
  autoThreshold: Type.Integer(),
  admissionsPerMinute: Type.Integer(),
  maxInside: Type.Integer(),
  sessionMinutes: Type.Integer(),
  preQueueMinutes: Type.Integer(),
  heartbeatTimeoutSeconds: Type.Integer(),
  updatedAt: Type.Union([Type.String(), Type.Null()]),
  enabled: Type.Boolean(),
});

const LiveView = Type.Object({
  active: Type.Boolean(),
  closed: Type.Boolean({ description: 'sold out: admissions paused' }),
  waiting: Type.Integer(),
  inside: Type.Integer(),
  admittedPerMinute: Type.Number({ description: 'measured over the last minute' }),
  abandoned: Type.Integer(),
  oldestWaitSeconds: Type.Integer(),
});

const AdminView = Type.Object({ settings: SettingsView, live: LiveView });

const StatusView = Type.Object({
  status: Type.Union(
    [Type.Literal('waiting'), Type.Literal('closed'), Type.Literal('admitted'), Type.Literal('none')],
    {
      description:
        'closed = sold out while waiting (you keep your place if seats come back); none = not in this waiting room',
    },
  ),
  eventId: Type.String(),
  position: Type.Optional(Type.Integer({ minimum: 1 })),
  ahead: Type.Optional(Type.Integer({ minimum: 0 })),
  etaSeconds: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  preQueue: Type.Optional(
    Type.Boolean({ description: 'joined before the sale opened: the order is drawn at random at opening' }),
  ),
  opensAt: Type.Optional(Type.String({ format: 'date-time' })),
  token: Type.Optional(
    Type.String({ description: 'admission token: send it with the hold request to the booking route' }),
  ),
  expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
});

const AdminParams = Type.Object({ id: Type.String() });
const EventParams = Type.Object({ eventId: Type.String() });

function withEnabled<T extends { mode: string }, L>(view: { settings: T; live: L }) {
  return { ...view, settings: { ...view.settings, enabled: view.settings.mode !== 'off' } };
}

/** A buyer's answer, with what the gateway may answer this room's next requests with (ADR 0011). */
function withEdgeHint<T>(reply: FastifyReply, queue: QueueService, eventId: string, view: T): T {
  const hint = queue.edgeHint(eventId);
  if (hint) void reply.header(QUEUE_ROOM_HEADER, hint);
  return view;
}

export async function registerQueueRoutes(
  base: FastifyInstance,
  queue: QueueService,
  admin: QueueAdmin,
): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['queue'];

  app.get(
    '/api/admin/events/:id/queue',
    {
      onRequest: requireAdmin,
      schema: {
        tags,
        summary: 'Waiting-room settings and live figures',
        params: AdminParams,
        response: { 200: AdminView },
      },
    },
    async (request) => withEnabled(await admin.get(request.params.id)),
  );

  app.put(
    '/api/admin/events/:id/queue',
    {
      onRequest: requireAdmin,
      schema: {
        tags,
        summary: 'Configure the waiting room',
        params: AdminParams,
        body: SettingsBody,
        response: { 200: AdminView },
      },
    },
    async (request) => {
      const view = await admin.put(request.params.id, request.body, currentUser(request));
      queue.forget(request.params.id);
      return withEnabled(view);
    },
  );

  app.post(
    '/api/queue/:eventId/join',
    {
      onRequest: requireUser,
      schema: {
        tags,
        summary: 'Join the waiting room (joining again keeps your place)',
        params: EventParams,
        response: { 200: StatusView },
      },
    },
    async (request, reply) =>
      withEdgeHint(
        reply,
        queue,
        request.params.eventId,
        await queue.join(request.params.eventId, currentUser(request)),
      ),
  );

  app.get(
    '/api/queue/:eventId/status',
    {
      onRequest: requireUser,
      schema: {
        tags,
        summary: 'Your place in the waiting room (also a heartbeat)',
        params: EventParams,
        response: { 200: StatusView },
      },
    },
    async (request, reply) =>
      withEdgeHint(
        reply,
        queue,
        request.params.eventId,
        await queue.status(request.params.eventId, currentUser(request).id),
      ),
  );

  app.post(
    '/api/queue/:eventId/heartbeat',
    {
      onRequest: requireUser,
      schema: {
        tags,
        summary: 'Keep your place while the page is open',
        params: EventParams,
        response: { 200: StatusView },
      },
    },
    async (request, reply) =>
      withEdgeHint(
        reply,
        queue,
        request.params.eventId,
        await queue.heartbeat(request.params.eventId, currentUser(request).id),
      ),
  );

  app.post(
    '/api/queue/:eventId/leave',
    {
      onRequest: requireUser,
      schema: {
        tags,
        summary: 'Give up your place or admission',
        params: EventParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await queue.leave(request.params.eventId, currentUser(request).id);
      return reply.code(204).send(null);
    },
  );
}
