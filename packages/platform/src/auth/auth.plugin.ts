import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors/app-error';
import { preferPriorityLane } from '../logging/request-context';
import { bearerToken, type AuthUser, type TokenVerifier } from './tokens';
import { IDENTITY_HEADER, type IdentitySigner } from './identity';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when a valid bearer token came with the request. */
    user: AuthUser | null;
  }
}

export const INTERNAL_TOKEN_HEADER = 'x-internal-token';
const BEARER = [{ bearerAuth: [] }];

/**
 * Every service checks the bearer token itself, never a header a client could set, so a request
 * that bypassed the gateway gets no further than one that went through it. What the gateway signed
 * with the internal secret for this very token (see identity.ts) stands for that check; without
 * it, or when it does not hold, the token is verified here.
 */
export function installAuth(
  app: FastifyInstance,
  verifier: TokenVerifier,
  identities?: IdentitySigner,
): void {
  app.decorateRequest('user', null);
  // The API document says which routes need a token from the guards themselves, so it cannot
  // drift from them (payments and the waiting room's routes were documented as open).
  app.addHook('onRoute', (route) => {
    const hooks = [route.onRequest ?? []].flat();
    if (!hooks.some((hook) => hook === requireUser || hook === requireAdmin)) return;
    route.schema = { ...route.schema, security: route.schema?.security ?? BEARER };
  });
  app.addHook('onRequest', async (request) => {
    const token = bearerToken(request);
    if (!token) {
      request.user = null;
      return;
    }
    const vouched = identities?.read(request.headers[IDENTITY_HEADER] as string | undefined, token);
    request.user = vouched ?? (await verifier.verify(token));
  });
}

/*
 * The guards run as a route's onRequest hooks, after the token was read (installAuth's hook is the
 * app's, which runs first) and before the body is parsed or validated: an anonymous caller learns
 * it must sign in, not what the body should hold, and costs no parsing of what it sent.
 */
export const requireUser: onRequestAsyncHookHandler = async (request) => {
  if (!request.user) throw AppError.unauthorized('AUTH_REQUIRED', 'Sign in to continue');
};

export const requireAdmin: onRequestAsyncHookHandler = async (request) => {
  if (!request.user) throw AppError.unauthorized('AUTH_REQUIRED', 'Sign in to continue');
  if (request.user.role !== 'admin') throw AppError.forbidden('ADMIN_ONLY', 'Administrators only');
};

export function currentUser(request: FastifyRequest): AuthUser {
  if (!request.user) throw AppError.unauthorized('AUTH_REQUIRED', 'Sign in to continue');
  return request.user;
}

export function isAdmin(request: FastifyRequest): boolean {
  return request.user?.role === 'admin';
}

/** Guards /internal/* routes that only other services may call. */
export function requireInternal(secret: string): onRequestAsyncHookHandler {
  const expected = Buffer.from(secret);
  return async (request) => {
    const given = Buffer.from(String(request.headers[INTERNAL_TOKEN_HEADER] ?? ''));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw AppError.forbidden('INTERNAL_ONLY', 'Internal route');
    }
    // Another service's call is part of work already under way (a confirmation, a refund):
    // it goes ahead of new buyers' requests for a database connection.
    preferPriorityLane();
  };
}
