import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AppError, type ServiceContext } from '@tiketi/platform';
import type { StatsConfig } from '../stats.config';
import type { LiveHub } from './live.hub';

/**
 * GET /api/stats/live: the dashboard figures as server-sent events (`event: dashboard`), sent on
 * connect and whenever they change. A browser's EventSource cannot set headers, so the access
 * token may also come as `?access_token=`.
 */
export async function liveRoutes(
  app: FastifyInstance,
  ctx: ServiceContext<StatsConfig>,
  hub: LiveHub,
): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const open = new Set<() => void>();
  // Streams never go idle, so end them before the server waits for its connections to close.
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });

  r.get(
    '/api/stats/live',
    {
      schema: {
        tags: ['stats'],
        security: [{ bearerAuth: [] }],
        summary: 'Live dashboard feed (text/event-stream, event `dashboard` with the dashboard body)',
        querystring: Type.Object({ access_token: Type.Optional(Type.String()) }),
      },
    },
    async (request, reply) => {
      let user = request.user;
      if (!user && request.query.access_token)
        user = await ctx.tokens.verify(request.query.access_token).catch(() => null);
      if (!user) throw AppError.unauthorized('AUTH_REQUIRED', 'Sign in to continue');
      if (user.role !== 'admin') throw AppError.forbidden('ADMIN_ONLY', 'Administrators only');

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
      });
      res.write('retry: 3000\n\n');
      const heartbeat = setInterval(() => res.write(': ping\n\n'), ctx.config.STATS_LIVE_HEARTBEAT_MS);
      heartbeat.unref();
      let remove: (() => void) | null = null;
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        clearInterval(heartbeat);
        remove?.();
        open.delete(end);
        res.end();
      };
      open.add(end);
      request.raw.on('close', end);
      remove = await hub.add((json) => {
        if (!ended) res.write(`event: dashboard\ndata: ${json}\n\n`);
      });
      if (ended) remove();
    },
  );
}
