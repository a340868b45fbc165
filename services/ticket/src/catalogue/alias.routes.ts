import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { AppError, currentUser, newId, requireAdmin, type ServiceContext } from '@tiketi/platform';
import type { TicketConfig } from '../ticket.config';
import type { CatalogueCache } from './catalogue.cache';
import { recordAudit } from './catalogue.events';
import { escapeLike } from './event.repository';

const Kind = Type.Union([Type.Literal('artist'), Type.Literal('venue'), Type.Literal('other')]);
const Alias = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  name: Type.String(),
  alias: Type.String(),
  createdAt: Type.String(),
});
const AliasBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, description: 'spelling used in events, e.g. 아이유' }),
    alias: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'another spelling that should find it, e.g. IU',
    }),
    kind: Type.Optional(Kind),
  },
  { additionalProperties: false },
);
const security = [{ bearerAuth: [] }];
const tags = ['search aliases'];

const view = (r: Record<string, any>) => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  alias: r.alias,
  createdAt: new Date(r.created_at).toISOString(),
});

/** Korean/English spellings of one artist or venue that search treats as the same (admin). */
export async function aliasRoutes(
  root: FastifyInstance,
  ctx: ServiceContext<TicketConfig>,
  cache: CatalogueCache,
): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const table = () => ctx.db.withSchema('ticket');

  app.get(
    '/api/admin/aliases',
    {
      onRequest: requireAdmin,
      schema: {
        tags,
        security,
        querystring: Type.Object({ q: Type.Optional(Type.String({ maxLength: 100 })) }),
        response: { 200: Type.Object({ items: Type.Array(Alias) }) },
      },
    },
    async (request) => {
      let query = table().selectFrom('aliases').selectAll().orderBy('name').orderBy('alias').limit(500);
      const q = request.query.q?.trim().toLowerCase();
      if (q) {
        const like = `%${escapeLike(q)}%`;
        query = query.where((eb) =>
          eb.or([eb(eb.fn('lower', ['name']), 'like', like), eb(eb.fn('lower', ['alias']), 'like', like)]),
        );
      }
      return { items: (await query.execute()).map(view) };
    },
  );

  app.post(
    '/api/admin/aliases',
    {
      onRequest: requireAdmin,
      schema: { tags, security, body: AliasBody, response: { 201: Type.Object({ alias: Alias }) } },
    },
    async (request, reply) => {
      const name = request.body.name.trim();
      const alias = request.body.alias.trim();
      if (!name || !alias || name.toLowerCase() === alias.toLowerCase()) {
        throw AppError.invalid('VALIDATION_FAILED', 'name and alias must be two different spellings', {
          path: 'body.alias',
          issues: [{ path: 'body.alias', message: 'same as name' }],
        });
      }
      const id = newId('als');
      try {
        await ctx.db.transaction().execute(async (trx) => {
          await trx
            .withSchema('ticket')
            .insertInto('aliases')
            .values({ id, name, alias, kind: request.body.kind ?? 'artist' })
            .execute();
          await recordAudit(trx, currentUser(request), 'alias.create', 'alias', id, {
            after: { name, alias },
          });
        });
      } catch (err) {
        if ((err as { code?: string }).code === '23505')
          throw AppError.conflict('ALIAS_EXISTS', 'This alias already exists');
        throw err;
      }
      ctx.relay?.poke();
      await cache.invalidate();
      const row = await table()
        .selectFrom('aliases')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      return reply.status(201).send({ alias: view(row) });
    },
  );

  app.delete(
    '/api/admin/aliases/:id',
    {
      onRequest: requireAdmin,
      schema: { tags, security, params: Type.Object({ id: Type.String({ maxLength: 64 }) }) },
    },
    async (request, reply) => {
      await ctx.db.transaction().execute(async (trx) => {
        const row = await trx
          .withSchema('ticket')
          .deleteFrom('aliases')
          .where('id', '=', request.params.id)
          .returningAll()
          .executeTakeFirst();
        if (!row) throw AppError.notFound('ALIAS_NOT_FOUND', 'Alias not found');
        await recordAudit(trx, currentUser(request), 'alias.delete', 'alias', request.params.id, {
          before: { name: row.name, alias: row.alias },
        });
      });
      ctx.relay?.poke();
      await cache.invalidate();
      return reply.status(204).send();
    },
  );
}
