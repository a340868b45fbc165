import type { FastifyInstance } from 'fastify';
import { Server, type Socket } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import type { ServiceContext } from '@tiketi/platform';
import type { TicketConfig } from '../ticket.config';
import type { Realtime, UserMessage } from '../ticket.area';
import { ReplicaOutbox } from './replica.outbox';

export const SOCKET_PATH = '/socket.io';
const MAX_ROOMS_PER_SOCKET = 20;
/** Between replicas only (serverSideEmit): never a name a client's socket can send. */
const TO_USERS = 'tiketi:to-users';

export function eventRoom(eventId: string): string {
  return `event:${eventId}`;
}
export function userRoom(userId: string): string {
  return `user:${userId}`;
}

export interface RealtimeServer extends Realtime {
  io: Server;
}

function validEventId(payload: unknown): string | null {
  const id = (payload as { eventId?: unknown } | null)?.eventId;
  return typeof id === 'string' && id.length > 0 && id.length <= 64 ? id : null;
}

/**
 * Socket.IO on the ticket service's own HTTP server (the gateway forwards /socket.io to it).
 * Anyone may watch an event's seat map; a valid token in the handshake (`auth: {token}`) also
 * joins the user's private room for queue and hold messages. With REDIS_URL the Redis adapter
 * carries room messages between replicas; Redis trouble drops live messages (clients notice the
 * version gap and refetch) but never fails a request.
 */
export async function startRealtime(
  app: FastifyInstance,
  ctx: ServiceContext<TicketConfig>,
): Promise<RealtimeServer> {
  const io = new Server(app.server, {
    path: SOCKET_PATH,
    serveClient: false,
    cors: { origin: true, credentials: true },
    connectTimeout: 10_000,
  });

  // A user's sockets live on whichever replica they connected to; each replica hands on its own.
  const deliverLocally = (name: string, messages: UserMessage[]) => {
    const rooms = io.of('/').adapter.rooms;
    for (const { userId, payload } of messages) {
      const room = userRoom(userId);
      if (rooms.has(room)) io.local.to(room).emit(name, payload);
    }
  };
  const replicated = Boolean(ctx.config.REDIS_URL);
  const toOtherReplicas = new ReplicaOutbox(
    (name, messages) => io.serverSideEmit(TO_USERS, name, messages),
    (err) => ctx.log.warn({ err }, 'realtime messages to other replicas dropped'),
  );

  if (ctx.config.REDIS_URL) {
    const pub = new Redis(ctx.config.REDIS_URL, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      retryStrategy: (times) => Math.min(200 * times, 2_000),
    });
    pub.on('error', () => undefined);
    await pub.connect();
    // The adapter does not catch a failed PUBLISH; a lost live message is acceptable, a crash is not.
    const publish = pub.publish.bind(pub) as (...args: unknown[]) => Promise<number>;
    (pub as unknown as { publish: (...args: unknown[]) => Promise<number> }).publish = (...args) =>
      publish(...args).catch((err: unknown) => {
        ctx.log.debug({ err }, 'realtime publish failed');
        return 0;
      });
    const sub = pub.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    sub.on('error', () => undefined);
    await sub.connect();
    io.adapter(createAdapter(pub, sub, { key: `${ctx.config.REDIS_KEY_PREFIX}tiketi:socket.io` }));
    io.on(TO_USERS, (name: unknown, messages: unknown) => {
      if (typeof name === 'string' && Array.isArray(messages))
        deliverLocally(name, messages as UserMessage[]);
    });
    ctx.onClose(async () => {
      toOtherReplicas.flush();
      sub.disconnect();
      pub.disconnect();
    });
  }

  io.use((socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || token.length === 0) return next();
    ctx.tokens.verify(token).then(
      (user) => {
        socket.data.userId = user.id;
        void socket.join(userRoom(user.id));
        next();
      },
      () => {
        // An expired token still may watch seat maps; it just gets no private messages.
        socket.data.authError = true;
        next();
      },
    );
  });

  io.on('connection', (socket: Socket) => {
    if (socket.data.authError) socket.emit('auth:error', { code: 'TOKEN_INVALID' });
    socket.on('event:join', (payload: unknown, ack?: unknown) => {
      const eventId = validEventId(payload);
      const ok = eventId !== null && socket.rooms.size < MAX_ROOMS_PER_SOCKET + 2;
      if (ok) void socket.join(eventRoom(eventId));
      if (typeof ack === 'function') ack(ok ? { ok: true } : { ok: false, code: 'INVALID_EVENT' });
    });
    socket.on('event:leave', (payload: unknown, ack?: unknown) => {
      const eventId = validEventId(payload);
      if (eventId) void socket.leave(eventRoom(eventId));
      if (typeof ack === 'function') ack({ ok: eventId !== null });
    });
  });

  // Open sockets would keep the HTTP server from closing: end them before Fastify closes it.
  app.addHook('preClose', async () => {
    io.local.disconnectSockets(true);
    io.engine.close();
  });

  return {
    io,
    toEvent(eventId, name, payload) {
      io.to(eventRoom(eventId)).emit(name, payload);
    },
    toUser(userId, name, payload) {
      const message = { userId, payload };
      deliverLocally(name, [message]);
      if (replicated) toOtherReplicas.add(name, message);
    },
    toUsers(name, messages) {
      deliverLocally(name, messages);
      if (replicated) for (const message of messages) toOtherReplicas.add(name, message);
    },
  };
}
