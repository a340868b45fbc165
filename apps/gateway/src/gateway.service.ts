import { AppError, defineService, type ServiceContext } from '@tiketi/platform';
import { gatewayConfigSchema, type GatewayConfig } from './gateway.config';
import { registerEdge } from './edge.plugin';
import { registerProxy } from './proxy.plugin';
import { installWebSocketProxy } from './websocket.proxy';
import { DocsService } from './docs.service';
import { dashboardRoutes } from './admin/dashboard.routes';

const docsByContext = new WeakMap<ServiceContext<any>, DocsService>();

/**
 * The only public entry: routes each public path to its service, checks tokens, roles, rate
 * limits and body sizes at the edge, and serves the merged API document and the admin dashboard.
 * It keeps nothing that must be shared in memory, so any number of replicas run side by side.
 */
export const gatewayService = defineService<GatewayConfig>({
  name: 'gateway',
  portKey: 'GATEWAY_PORT',
  configSchema: gatewayConfigSchema,
  openapi: { title: 'TIKETI API', description: 'The public API: every route buyers and operators use' },
  app: {
    skipAuth: true,
    // The edge streams bodies to the services and enforces its own limits (JSON vs uploads).
    bodyLimit: 11 * 1024 * 1024,
    openapiDocument: async (own, _request, ctx) => {
      let docs = docsByContext.get(ctx);
      if (!docs) {
        docs = new DocsService(ctx.config as GatewayConfig, ctx.log);
        docsByContext.set(ctx, docs);
      }
      return docs.document(own);
    },
  },
  async routes(app, ctx) {
    await registerEdge(app, ctx);
    await app.register(async (proxied) => registerProxy(proxied, ctx));
    await app.register(async (own) => dashboardRoutes(own, ctx));
    // Unknown API paths answer here rather than at the root, so they too pass CORS and the limits.
    app.route({
      method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      url: '/api/*',
      schema: { hide: true },
      handler: async (request) => {
        throw AppError.notFound(
          'ROUTE_NOT_FOUND',
          `No route for ${request.method} ${request.url.split('?')[0]}`,
        );
      },
    });
    installWebSocketProxy(app, ctx);
  },
});
