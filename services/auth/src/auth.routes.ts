import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { currentUser, requireUser } from '@tiketi/platform';
import { AuthResponse, PublicUser, TokenPair } from '@tiketi/contracts';
import type { AuthModule } from './auth.module';

const Email = Type.String({
  format: 'email',
  maxLength: 254,
  description: 'case-insensitive; stored lower-cased',
});
const NewPassword = Type.String({ minLength: 8, maxLength: 256 });
const Name = Type.String({ minLength: 1, maxLength: 100 });
const Phone = Type.String({ maxLength: 30, pattern: '^[0-9+() -]*$' });

const meta = (request: FastifyRequest) => ({ ip: request.ip, userAgent: request.headers['user-agent'] });

export async function authRoutes(scope: FastifyInstance, auth: AuthModule): Promise<void> {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/api/auth/register',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create a buyer account and sign in',
        body: Type.Object({
          email: Email,
          password: NewPassword,
          name: Name,
          phone: Type.Optional(Phone),
        }),
        response: { 201: AuthResponse },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await auth.accounts.register(request.body, meta(request))),
  );

  app.post(
    '/api/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in; repeated failures per account or IP get 429 with Retry-After',
        body: Type.Object({
          email: Type.String({ minLength: 1, maxLength: 254 }),
          password: Type.String({ minLength: 1, maxLength: 256 }),
        }),
        response: { 200: AuthResponse },
      },
    },
    async (request) => auth.accounts.login(request.body, meta(request)),
  );

  app.post(
    '/api/auth/refresh',
    {
      schema: {
        tags: ['auth'],
        summary:
          'Exchange a refresh token for a new pair (the old one is spent; reusing it ends the session)',
        body: Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 512 }) }),
        response: { 200: TokenPair },
      },
    },
    async (request) => auth.sessions.refresh(request.body.refreshToken),
  );

  app.post(
    '/api/auth/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'End the session: the refresh token and its access tokens stop working',
        body: Type.Optional(Type.Object({ refreshToken: Type.Optional(Type.String({ maxLength: 512 })) })),
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await auth.sessions.logout(request.body?.refreshToken || undefined, request.user?.sid);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/auth/me',
    {
      onRequest: requireUser,
      schema: {
        tags: ['auth'],
        summary: 'The signed-in user',
        security: [{ bearerAuth: [] }],
        response: { 200: Type.Object({ user: PublicUser }) },
      },
    },
    async (request) => ({ user: await auth.accounts.me(currentUser(request).id) }),
  );

  app.patch(
    '/api/auth/me',
    {
      onRequest: requireUser,
      schema: {
        tags: ['auth'],
        summary:
          "Change the signed-in user's name or phone; answers with an access token that carries the new name",
        security: [{ bearerAuth: [] }],
        body: Type.Object(
          {
            name: Type.Optional(Name),
            phone: Type.Optional(Type.Union([Phone, Type.Null()], { description: 'null or "" removes it' })),
          },
          { minProperties: 1, additionalProperties: false },
        ),
        response: { 200: Type.Object({ user: PublicUser, accessToken: Type.String() }) },
      },
    },
    async (request) => auth.profiles.update(currentUser(request), request.body),
  );

  app.post(
    '/api/auth/password',
    {
      onRequest: requireUser,
      schema: {
        tags: ['auth'],
        summary:
          'Change the password: 403 INVALID_CURRENT_PASSWORD when the current one is wrong (failures count as failed sign-ins, 429 past the limit); every other session of the account ends',
        security: [{ bearerAuth: [] }],
        body: Type.Object({
          currentPassword: Type.String({ minLength: 1, maxLength: 256 }),
          newPassword: NewPassword,
        }),
        response: { 200: Type.Object({ otherSessionsEnded: Type.Integer({ minimum: 0 }) }) },
      },
    },
    async (request) => auth.profiles.changePassword(currentUser(request), request.body, meta(request)),
  );

  app.post(
    '/api/auth/password/forgot',
    {
      schema: {
        tags: ['auth'],
        summary:
          'Mail a password-reset link to the address, if an account has it: the answer is the same either way (202); 429 TOO_MANY_RESET_REQUESTS when one address asks too often',
        body: Type.Object({
          email: Type.String({ minLength: 1, maxLength: 254 }),
          locale: Type.Optional(
            Type.Union([Type.Literal('ko'), Type.Literal('en')], {
              description: 'language of the mail (default ko)',
            }),
          ),
        }),
        response: {
          202: Type.Object({
            expiresInMinutes: Type.Integer({ description: 'how long the mailed link works' }),
          }),
        },
      },
    },
    async (request, reply) => reply.status(202).send(await auth.resets.request(request.body, meta(request))),
  );

  app.post(
    '/api/auth/password/reset',
    {
      schema: {
        tags: ['auth'],
        summary:
          "Set a new password with a mailed link's token: 400 INVALID_RESET_TOKEN once it is used or expired; every session of the account ends",
        body: Type.Object({
          token: Type.String({ minLength: 1, maxLength: 128 }),
          newPassword: NewPassword,
        }),
        response: {
          200: Type.Object({ email: Type.String({ description: 'the account, to sign in with' }) }),
        },
      },
    },
    async (request) => auth.resets.reset(request.body),
  );

  app.delete(
    '/api/auth/me',
    {
      onRequest: requireUser,
      schema: {
        tags: ['auth'],
        summary:
          "Close the signed-in user's account: the password confirms it; 409 OPEN_BOOKINGS while a hold or a booking of an event to come remains; name, email and phone are wiped and every session ends",
        security: [{ bearerAuth: [] }],
        body: Type.Object({ password: Type.String({ minLength: 1, maxLength: 256 }) }),
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await auth.profiles.close(currentUser(request), request.body, meta(request));
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/.well-known/jwks.json',
    { schema: { tags: ['auth'], summary: 'Public keys that verify access tokens' } },
    async (_request, reply) => {
      void reply.header('cache-control', 'public, max-age=300');
      return auth.keys.jwks();
    },
  );
}
