import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { currentUser, isAdmin, requireAdmin } from '@tiketi/platform';
import type { Catalogue } from './catalogue.registry';
import {
  CancelEventBody,
  CreateEventBody,
  EventDetail,
  EventIdParams,
  EventList,
  EventListQuery,
  UpdateEventBody,
} from './event.schemas';

const security = [{ bearerAuth: [] }];
const tags = ['events'];
const Detail = Type.Object({ event: EventDetail });

/**
 * What a buyer reads of the catalogue is the same for every buyer, signed in or not: the edge may
 * answer a crowd from its cache for a second (docs/adr/0005). An administrator's read shows
 * drafts and more, so it is never shared.
 */
function publicReadCaching(admin: boolean): string {
  return admin ? 'private, no-store' : 'public, max-age=0, s-maxage=1';
}

/** Public catalogue reads and the admin's event lifecycle. */
export async function eventRoutes(root: FastifyInstance, catalogue: Catalogue): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { events, queries } = catalogue;

  app.get(
    '/api/events',
    {
      schema: {
        tags,
        summary: 'Search and list events',
        querystring: EventListQuery,
        response: { 200: EventList },
      },
    },
    async (request, reply) => {
      const admin = isAdmin(request);
      void reply.header('cache-control', publicReadCaching(admin));
      return queries.list(request.query, admin);
    },
  );

  app.get(
    '/api/events/:id',
    {
      schema: {
        tags,
        summary: 'One event with its sections',
        params: EventIdParams,
        response: { 200: Detail },
      },
    },
    async (request, reply) => {
      const admin = isAdmin(request);
      const event = await queries.get(request.params.id, admin);
      void reply.header('cache-control', publicReadCaching(admin));
      return { event };
    },
  );

  for (const path of ['/api/events', '/api/admin/events']) {
    app.post(
      path,
      {
        onRequest: requireAdmin,
        schema: {
          tags,
          security,
          hide: path !== '/api/events',
          summary: 'Create an event (draft)',
          body: CreateEventBody,
          response: { 201: Detail },
        },
      },
      async (request, reply) => {
        const id = await events.create(currentUser(request), request.body);
        return reply.status(201).send({ event: await queries.get(id, true) });
      },
    );
  }

  app.patch(
    '/api/events/:id',
    {
      onRequest: requireAdmin,
      schema: {
        tags,
        security,
        summary: 'Edit an event (layout edits keep sold seats)',
        params: EventIdParams,
        body: UpdateEventBody,
        response: { 200: Detail },
      },
    },
    async (request) => {
      await events.update(currentUser(request), request.params.id, request.body);
      return { event: await queries.get(request.params.id, true) };
    },
  );

  app.delete(
    '/api/events/:id',
    {
      onRequest: requireAdmin,
      schema: { tags, security, summary: 'Delete an event with nothing sold or held', params: EventIdParams },
    },
    async (request, reply) => {
      await events.remove(currentUser(request), request.params.id);
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/events/:id/publish',
    {
      onRequest: requireAdmin,
      schema: {
        tags,
        security,
        summary: 'Publish a draft',
        params: EventIdParams,
        response: { 200: Detail },
      },
    },
    async (request) => {
      await events.publish(currentUser(request), request.params.id);
      return { event: await queries.get(request.params.id, true) };
    },
  );

  app.post(
    '/api/events/:id/cancel',
    {
      onRequest: requireAdmin,
      schema: {
        tags,
        security,
        summary: 'Cancel an event (payments refunds every paid reservation)',
        params: EventIdParams,
        description: `Optional JSON body: ${JSON.stringify({ reason: 'string' })}`,
        response: { 200: Detail },
      },
    },
    async (request) => {
      const body = (request.body ?? {}) as { reason?: unknown };
      const reason =
        typeof body.reason === 'string'
          ? body.reason.slice(0, CancelEventBody.properties.reason.maxLength)
          : undefined;
      await events.cancel(currentUser(request), request.params.id, reason);
      return { event: await queries.get(request.params.id, true) };
    },
  );
}
