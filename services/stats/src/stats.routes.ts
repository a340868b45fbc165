import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AppError, csvDocument, requireAdmin, requireInternal, type ServiceContext } from '@tiketi/platform';
import type { StatsConfig } from './stats.config';
import type { FiguresService } from './queries/figures.service';
import { rebuildReadModels } from './projection/stats.ingest';
import { listAudit } from './audit/audit.repository';
import { parseBound } from './time/seoul.time';
import {
  AuditBody,
  AuditQuery,
  DashboardBody,
  EventsBody,
  RebuildBody,
  SalesBody,
  SalesQuery,
  UsersBody,
  UsersQuery,
} from './stats.schemas';

const tags = ['stats'];
const security = [{ bearerAuth: [] }];

export interface StatsRouteDeps {
  figures: FiguresService;
  /** Called after a rebuild changed the figures. */
  rebuilt(): void;
}

export async function statsRoutes(
  app: FastifyInstance,
  ctx: ServiceContext<StatsConfig>,
  deps: StatsRouteDeps,
): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { figures } = deps;

  r.get(
    '/api/stats/dashboard',
    {
      onRequest: requireAdmin,
      schema: {
        tags,
        security,
        summary: 'Revenue, reservations, conversion and top events',
        response: { 200: DashboardBody },
      },
    },
    async () => figures.dashboard(),
  );

  r.get(
    '/api/stats/sales',
    {
      onRequest: requireAdmin,
      schema: {
        tags,
        security,
        summary: 'Sales and refunds per Seoul day or hour',
        querystring: SalesQuery,
        response: { 200: SalesBody },
      },
    },
    async (request) => {
      const { from, to, granularity, eventId } = request.query;
      return figures.sales(figures.resolveRange(from, to, granularity), granularity, eventId);
    },
  );

  r.get(
    '/api/stats/sales.csv',
    {
      onRequest: requireAdmin,
      schema: { tags, security, summary: 'The sales series as CSV', querystring: SalesQuery },
    },
    async (request, reply) => {
      const { from, to, granularity, eventId } = request.query;
      const { series } = await figures.sales(
        figures.resolveRange(from, to, granularity),
        granularity,
        eventId,
      );
      const rows = [
        ['bucket', 'revenue', 'refunds', 'net', 'count'],
        ...series.map((s) => [s.bucket, s.revenue, s.refunds, s.revenue - s.refunds, s.count]),
      ];
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="sales-${granularity}.csv"`)
        .send(csvDocument(rows));
    },
  );

  r.get(
    '/api/stats/users',
    {
      onRequest: requireAdmin,
      schema: {
        tags,
        security,
        summary: 'Registered users and new users per Seoul day',
        querystring: UsersQuery,
        response: { 200: UsersBody },
      },
    },
    async (request) => figures.users(figures.resolveRange(request.query.from, request.query.to, 'day')),
  );

  r.get(
    '/api/stats/events',
    {
      onRequest: requireAdmin,
      schema: {
        tags,
        security,
        summary: 'Seats, revenue and conversion per event',
        response: { 200: EventsBody },
      },
    },
    async () => figures.events(),
  );

  r.get(
    '/api/admin/audit',
    {
      onRequest: requireAdmin,
      schema: {
        tags: ['admin'],
        security,
        summary: 'The audit log of operator actions, newest first',
        querystring: AuditQuery,
        response: { 200: AuditBody },
      },
    },
    async (request) => {
      const { from, to, page, limit, ...filters } = request.query;
      const bound = (text: string | undefined, end: boolean) => {
        if (!text) return undefined;
        const at = parseBound(text, end);
        if (!at)
          throw AppError.invalid('INVALID_RANGE', 'from/to must be a date (YYYY-MM-DD) or an ISO date-time');
        return at;
      };
      const result = await listAudit(ctx.db, {
        ...filters,
        from: bound(from, false),
        to: bound(to, true),
        page,
        limit,
      });
      return { ...result, page, limit };
    },
  );

  r.post(
    '/internal/stats/rebuild',
    {
      onRequest: requireInternal(ctx.config.INTERNAL_TOKEN),
      schema: { hide: true, response: { 200: RebuildBody } },
    },
    async () => {
      const result = await rebuildReadModels(ctx.db);
      ctx.log.info(result, 'stats read models rebuilt');
      deps.rebuilt();
      return result;
    },
  );
}
