import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { AppError, currentUser, requireAdmin, requireInternal } from '@tiketi/platform';
import { PublicUser, Role } from '@tiketi/contracts';
import type { AuthModule } from '../auth.module';
import { publicUser } from '../account/account.service';
import { adminUserView } from './admin-users.service';

const AdminUser = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  phone: Type.Union([Type.String(), Type.Null()]),
  role: Role,
  createdAt: Type.String({ format: 'date-time' }),
  lastLoginAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  closedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'when its owner closed the account (its personal data are gone); search leaves these out',
  }),
});
const UserIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export async function adminUsersRoutes(scope: FastifyInstance, auth: AuthModule): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const security = [{ bearerAuth: [] }];

  app.get(
    '/api/admin/users',
    {
      onRequest: requireAdmin,
      schema: {
        tags: ['admin'],
        summary: 'Search users by email, name or id',
        security,
        querystring: Type.Object({
          q: Type.Optional(Type.String({ maxLength: 200 })),
          role: Type.Optional(Role),
          page: Type.Integer({ minimum: 1, default: 1 }),
          limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
        }),
        response: {
          200: Type.Object({
            items: Type.Array(AdminUser),
            total: Type.Integer(),
            page: Type.Integer(),
            limit: Type.Integer(),
          }),
        },
      },
    },
    async (request) => auth.adminUsers.list(request.query),
  );

  app.get(
    '/api/admin/users/:id',
    {
      onRequest: requireAdmin,
      schema: {
        tags: ['admin'],
        summary: 'One user',
        security,
        params: UserIdParams,
        response: { 200: Type.Object({ user: AdminUser }) },
      },
    },
    async (request) => {
      const user = await auth.users.findById(request.params.id);
      if (!user) throw AppError.notFound('USER_NOT_FOUND', 'No such user');
      return { user: adminUserView(user) };
    },
  );

  app.patch(
    '/api/admin/users/:id',
    {
      onRequest: requireAdmin,
      schema: {
        tags: ['admin'],
        summary: "Change a user's role (the last admin cannot be demoted; demotion ends the user's sessions)",
        security,
        params: UserIdParams,
        body: Type.Object({ role: Role }),
        response: { 200: Type.Object({ user: AdminUser }) },
      },
    },
    async (request) => ({
      user: await auth.adminUsers.setRole(currentUser(request), request.params.id, request.body.role),
    }),
  );
}

export async function internalUsersRoutes(
  scope: FastifyInstance,
  auth: AuthModule,
  internalToken: string,
): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const guard = requireInternal(internalToken);

  app.get(
    '/internal/users/:id',
    {
      onRequest: guard,
      schema: { hide: true, params: UserIdParams, response: { 200: Type.Object({ user: PublicUser }) } },
    },
    async (request) => {
      const user = await auth.users.findById(request.params.id);
      if (!user) throw AppError.notFound('USER_NOT_FOUND', 'No such user');
      return { user: publicUser(user) };
    },
  );

  app.get(
    '/internal/users',
    {
      onRequest: guard,
      schema: {
        hide: true,
        querystring: Type.Object({
          ids: Type.String({
            minLength: 1,
            maxLength: 10_000,
            description: 'comma-separated user ids (at most 200)',
          }),
        }),
        response: { 200: Type.Object({ users: Type.Array(PublicUser) }) },
      },
    },
    async (request) => {
      const ids = [
        ...new Set(
          request.query.ids
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        ),
      ];
      if (ids.length > 200) throw AppError.invalid('TOO_MANY_IDS', 'At most 200 ids per call');
      return { users: (await auth.users.findByIds(ids)).map(publicUser) };
    },
  );
}
