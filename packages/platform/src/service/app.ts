import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
} from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { randomUUID } from 'node:crypto';
import { frameworkErrorResponder, installErrorHandler } from '../errors/error-handler';
import { installRequestContext } from '../logging/request-context';
import { installHttpMetrics } from '../metrics/metrics';
import { installAuth } from '../auth/auth.plugin';
import { installNulGuard } from './nul-guard';
import { identitySigner } from '../auth/identity';
import type { ServiceContext, ServiceDefinition } from './service';
import type { BaseConfig } from '../config/config';

export const REQUEST_ID_HEADER = 'x-request-id';

export interface BuildAppOptions {
  bodyLimit?: number;
  /** The gateway proxies raw bodies and verifies tokens itself. */
  skipAuth?: boolean;
  /**
   * Replaces the document served at /api-docs/json (and /yaml, and so the Swagger UI): the gateway
   * merges every service's public API into its own. Gets this app's own generated document.
   */
  openapiDocument?: (
    own: Record<string, unknown>,
    request: FastifyRequest,
    ctx: ServiceContext<any>,
  ) => Promise<Record<string, unknown>>;
}

const kOpenapiDocument = Symbol('tiketi.openapiDocument');

/**
 * The common shell of every service: request ids, one error shape, metrics, health and
 * readiness, OpenAPI at /api-docs, token verification. Services add only their routes.
 */
export async function buildServiceApp<C extends BaseConfig>(
  definition: ServiceDefinition<C>,
  ctx: ServiceContext<C>,
  options: BuildAppOptions = definition.app ?? {},
): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.log as unknown as FastifyBaseLogger,
    requestIdHeader: REQUEST_ID_HEADER,
    genReqId: () => randomUUID(),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    trustProxy: true,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    logController: new LogController({
      requestIdLogLabel: 'requestId',
      disableRequestLogging: ctx.config.LOG_LEVEL !== 'debug' && ctx.config.LOG_LEVEL !== 'trace',
    }),
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false },
    },
    frameworkErrors: frameworkErrorResponder,
  }) as unknown as FastifyInstance;

  installRequestContext(app);
  app.addHook('onRequest', async (request, reply) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
  });
  installErrorHandler(app);
  installNulGuard(app);
  installHttpMetrics(app, ctx.metrics);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: definition.openapi.title,
        description: definition.openapi.description,
        version: '1.0.0',
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
  });
  const openapiDocument = options.openapiDocument;
  await app.register(swaggerUi, {
    routePrefix: '/api-docs',
    ...(openapiDocument
      ? {
          uiHooks: {
            preHandler: async (request: FastifyRequest) => {
              if (!/\/api-docs\/(json|yaml)$/.test(request.url.split('?')[0]!)) return;
              const own = app.swagger() as unknown as Record<string, unknown>;
              (request as unknown as Record<symbol, unknown>)[kOpenapiDocument] = await openapiDocument(
                own,
                request,
                ctx,
              );
            },
          },
          transformSpecification: (spec: Record<string, unknown>, request: FastifyRequest) =>
            ((request as unknown as Record<symbol, unknown>)[kOpenapiDocument] as
              Record<string, unknown> | undefined) ?? spec,
          transformSpecificationClone: false,
        }
      : {}),
  });

  app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok', service: definition.name }));
  app.get('/ready', { schema: { hide: true } }, async (_request, reply) => {
    const checks: Record<string, string> = {};
    if (ctx.database)
      checks.database = await ctx.database.ping().then(
        () => 'ok',
        () => 'down',
      );
    checks.coordination = await ctx.coordination.ping().then(
      () => 'ok',
      () => 'down',
    );
    const ready = Object.values(checks).every((v) => v === 'ok');
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });

  if (!options.skipAuth) installAuth(app, ctx.tokens, identitySigner(ctx.config.INTERNAL_TOKEN));
  await app.register(async (scope) => definition.routes(scope, ctx));
  return app;
}
