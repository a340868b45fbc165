import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import { AppError, bearerToken, isAppError, RevocationWatch, type ServiceContext } from '@tiketi/platform';
import type { GatewayConfig } from './gateway.config';
import { clientIp } from './client-ip';
import { isAdminPath } from './routing.table';
import { coordinationRateLimitStore, edgeLimiter, RATE_KEY_PREFIX } from './rate-limit.store';
import { gatewayMetrics } from './gateway.metrics';
import { authReachability, explainVerificationFailure } from './auth-reachability';
import { securityHeaders } from './security.headers';
import { edgeBurst } from './burst.limiter';

declare module 'fastify' {
  interface FastifyRequest {
    /** The client address as the gateway trusts it (see GATEWAY_TRUST_PROXY_HOPS). */
    clientIp: string;
  }
}

export const MINUTE_MS = 60_000;

/** The per-address counter; WebSocket upgrades count against the same one. */
export function ipRateKey(ip: string): string {
  return `ip:${ip}`;
}

export function allowedOrigins(config: Pick<GatewayConfig, 'CORS_ORIGINS'>): string[] {
  return config.CORS_ORIGINS.split(',')
    .map((origin) => origin.trim().replace(/\/$/, ''))
    .filter(Boolean);
}

/**
 * What every request through the gateway passes, in order: CORS (preflights answered before
 * anything else), security headers, the per-IP limit, the token check, the per-user limit and the
 * admin check. A request that fails any of them never reaches a service.
 */
export async function registerEdge(app: FastifyInstance, ctx: ServiceContext<GatewayConfig>): Promise<void> {
  const { config } = ctx;
  const origins = new Set(allowedOrigins(config));
  await app.register(cors, {
    origin: (origin, callback) => callback(null, origin !== undefined && origins.has(origin)),
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'x-request-id', 'idempotency-key', 'x-queue-token'],
    exposedHeaders: [
      'x-request-id',
      'retry-after',
      'content-disposition',
      'x-ratelimit-limit',
      'x-ratelimit-remaining',
      'x-ratelimit-reset',
    ],
    maxAge: 600,
  });
  const security = securityHeaders({
    // Pages the services render (the sandbox checkout) bring their own policy; JSON gets a strict one below.
    contentSecurityPolicy: false,
    // Posters under /api/files are shown by the web app on another origin.
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  });
  app.addHook('onRequest', (_request, reply, done) => {
    void reply.headers(security);
    done();
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.includes('json') && !reply.hasHeader('content-security-policy')) {
      void reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
    }
    return payload;
  });

  await app.register(rateLimit, {
    global: false,
    store: coordinationRateLimitStore(edgeLimiter(ctx), RATE_KEY_PREFIX) as never,
    // The store does not fail (with Redis away each replica limits on its own counts); should it
    // ever, the API stays up rather than refuse everyone.
    skipOnError: true,
  });
  const ipLimit = app.createRateLimit({
    max: config.RATE_LIMIT_IP_PER_MINUTE,
    timeWindow: MINUTE_MS,
    keyGenerator: (request) => ipRateKey(request.clientIp),
  });
  const userLimit = app.createRateLimit({
    max: config.RATE_LIMIT_USER_PER_MINUTE,
    timeWindow: MINUTE_MS,
    keyGenerator: (request) => `user:${request.user?.id ?? 'anonymous'}`,
  });
  const burst = edgeBurst(ctx);

  app.decorateRequest('clientIp', '');
  if (!app.hasRequestDecorator('user')) app.decorateRequest('user', null);

  // Sessions found active are trusted until the auth service names them ended (ADR 0007): no round
  // trip to Redis per request. Until the subscription is up, every request asks.
  const revocations = new RevocationWatch(ctx.coordination, (user) => ctx.tokens.assertActive(user));
  revocations
    .start()
    .catch((err: unknown) => ctx.log.warn({ err }, 'revocation watch not started; asking per request'));
  app.addHook('onClose', () => revocations.stop());

  const metrics = gatewayMetrics(ctx.metrics);
  const authReachable = authReachability(config.AUTH_URL);
  app.addHook('onRequest', async (request, reply) => {
    try {
      await admit(request, reply);
    } catch (err) {
      if (isAppError(err)) metrics.rejected.inc({ reason: err.code.toLowerCase() });
      throw err;
    }
  });

  async function admit(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    request.clientIp = clientIp(request.raw, config.GATEWAY_TRUST_PROXY_HOPS);
    const byIp = await ipLimit(request);
    if (!byIp.isAllowed) {
      void reply.header('x-ratelimit-limit', byIp.max).header('x-ratelimit-remaining', byIp.remaining);
      if (byIp.isExceeded) throw tooManyRequests(byIp.ttlInSeconds, 'ip');
    }
    if (!burst.ip.admit(request.clientIp)) throw tooManyRequests(1, 'ip');

    request.user = await signedUser(request, ctx, authReachable);
    if (request.user) {
      // The per-user counter also counts a revoked token's request, which is refused all the same.
      const [active, byUser] = await Promise.allSettled([
        revocations.assertActive(request.user),
        userLimit(request),
      ]);
      if (active.status === 'rejected') throw active.reason;
      if (byUser.status === 'rejected') throw byUser.reason;
      if (!byUser.value.isAllowed && byUser.value.isExceeded)
        throw tooManyRequests(byUser.value.ttlInSeconds, 'user');
      if (!burst.user.admit(request.user.id)) throw tooManyRequests(1, 'user');
    }

    if (isAdminPath(request.url)) {
      if (!request.user) throw AppError.unauthorized('AUTH_REQUIRED', 'Sign in to continue');
      if (request.user.role !== 'admin') throw AppError.forbidden('ADMIN_ONLY', 'Administrators only');
    }
  }
}

/** A bearer token's signature, expiry and claims are checked here (revocation by the caller); a bad one stops the request. */
async function signedUser(
  request: FastifyRequest,
  ctx: ServiceContext<GatewayConfig>,
  authReachable: () => Promise<boolean>,
) {
  if (request.headers.authorization === undefined) return null;
  const token = bearerToken(request);
  if (!token) {
    // Other schemes are not ours to judge (services ignore them too), but an empty Bearer is an error.
    if (/^bearer\b/i.test(request.headers.authorization))
      throw AppError.unauthorized('INVALID_TOKEN', 'Access token is invalid');
    return null;
  }
  try {
    return await ctx.tokens.verifySigned(token);
  } catch (err) {
    throw await explainVerificationFailure(err, token, authReachable);
  }
}

function tooManyRequests(retryAfterSeconds: number, scope: 'ip' | 'user'): AppError {
  const seconds = Math.max(1, retryAfterSeconds);
  return new AppError('rate_limited', 'RATE_LIMITED', `Too many requests; try again in ${seconds} s`, {
    details: { retryAfterSeconds: seconds, scope },
    headers: { 'retry-after': String(seconds) },
  });
}
