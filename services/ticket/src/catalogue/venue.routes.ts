import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { AppError, currentUser, newId, requireAdmin, type ServiceContext } from '@tiketi/platform';
import type { TicketConfig } from '../ticket.config';
import { recordAudit } from './catalogue.events';
import { Layout } from './layout.schemas';
import { expandLayout } from './layout.service';
import {
  deleteVenue,
  findVenue,
  insertVenue,
  listVenues,
  updateVenue,
  type VenueRow,
} from './venue.repository';

const Venue = Type.Object({
  id: Type.String(),
  name: Type.String(),
  address: Type.String(),
  seatsTotal: Type.Integer(),
  layout: Layout,
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
const VenueBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    address: Type.Optional(Type.String({ maxLength: 500 })),
    layout: Layout,
  },
  { additionalProperties: false },
);
const VenuePatch = Type.Partial(VenueBody, { additionalProperties: false, minProperties: 1 });
const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const security = [{ bearerAuth: [] }];

const view = (v: VenueRow) => ({
  id: v.id,
  name: v.name,
  address: v.address,
  seatsTotal: v.seats_total,
  layout: (typeof v.layout === 'string' ? JSON.parse(v.layout) : v.layout) as Layout,
  createdAt: new Date(v.created_at).toISOString(),
  updatedAt: new Date(v.updated_at).toISOString(),
});

/** Reusable venue layouts (admin): `/api/venues` and the same under `/api/admin/venues`. */
export async function venueRoutes(root: FastifyInstance, ctx: ServiceContext<TicketConfig>): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['venues'];
  for (const prefix of ['/api/venues', '/api/admin/venues']) {
    const hide = prefix !== '/api/venues';
    app.get(
      prefix,
      {
        onRequest: requireAdmin,
        schema: { hide, tags, security, response: { 200: Type.Object({ items: Type.Array(Venue) }) } },
      },
      async () => ({
        items: (await listVenues(ctx.db)).map(view),
      }),
    );

    app.get(
      `${prefix}/:id`,
      {
        onRequest: requireAdmin,
        schema: { hide, tags, security, params: IdParams, response: { 200: Type.Object({ venue: Venue }) } },
      },
      async (request) => {
        const venue = await findVenue(ctx.db, request.params.id);
        if (!venue) throw AppError.notFound('VENUE_NOT_FOUND', 'Venue not found');
        return { venue: view(venue) };
      },
    );

    app.post(
      prefix,
      {
        onRequest: requireAdmin,
        schema: { hide, tags, security, body: VenueBody, response: { 201: Type.Object({ venue: Venue }) } },
      },
      async (request, reply) => {
        const expanded = expandLayout(request.body.layout, 'body.layout');
        const id = newId('ven');
        await ctx.db.transaction().execute(async (trx) => {
          await insertVenue(trx, {
            id,
            name: request.body.name.trim(),
            address: request.body.address ?? '',
            layout: JSON.stringify(expanded.layout),
            seats_total: expanded.seatsTotal,
          });
          await recordAudit(trx, currentUser(request), 'venue.create', 'venue', id, {
            after: { name: request.body.name, seatsTotal: expanded.seatsTotal },
          });
        });
        ctx.relay?.poke();
        return reply.status(201).send({ venue: view((await findVenue(ctx.db, id))!) });
      },
    );

    app.patch(
      `${prefix}/:id`,
      {
        onRequest: requireAdmin,
        schema: {
          hide,
          tags,
          security,
          params: IdParams,
          body: VenuePatch,
          response: { 200: Type.Object({ venue: Venue }) },
        },
      },
      async (request) => {
        const { name, address, layout } = request.body;
        const values: Record<string, unknown> = {
          ...(name !== undefined && { name: name.trim() }),
          ...(address !== undefined && { address }),
        };
        if (layout !== undefined) {
          const expanded = expandLayout(layout, 'body.layout');
          values.layout = JSON.stringify(expanded.layout);
          values.seats_total = expanded.seatsTotal;
        }
        await ctx.db.transaction().execute(async (trx) => {
          if (!(await updateVenue(trx, request.params.id, values)))
            throw AppError.notFound('VENUE_NOT_FOUND', 'Venue not found');
          await recordAudit(trx, currentUser(request), 'venue.update', 'venue', request.params.id, {
            after: { name, address, layout: layout ? '(layout)' : undefined },
          });
        });
        ctx.relay?.poke();
        return { venue: view((await findVenue(ctx.db, request.params.id))!) };
      },
    );

    app.delete(
      `${prefix}/:id`,
      { onRequest: requireAdmin, schema: { hide, tags, security, params: IdParams } },
      async (request, reply) => {
        await ctx.db.transaction().execute(async (trx) => {
          if (!(await deleteVenue(trx, request.params.id)))
            throw AppError.notFound('VENUE_NOT_FOUND', 'Venue not found');
          await recordAudit(trx, currentUser(request), 'venue.delete', 'venue', request.params.id);
        });
        ctx.relay?.poke();
        return reply.status(204).send();
      },
    );
  }
}
