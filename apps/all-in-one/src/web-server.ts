import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import fastifyStatic from '@fastify/static';
import httpProxy from 'http-proxy';
import type { Logger } from 'pino';
import { createMetricsRegistry, installHttpMetrics, type BaseConfig } from '@tiketi/platform';

export interface WebServer {
  port: number;
  close(): Promise<void>;
}

const PROXIED = /^\/(api|socket\.io|api-docs)(\/|$|\?)/;

/**
 * Serves the built web app with an SPA fallback and passes /api, /api-docs and /socket.io to the
 * gateway, so the browser talks to one origin (as nginx does in the container).
 */
export async function startWebServer(options: {
  config: BaseConfig & { WEB_DIST_DIR: string };
  log: Logger;
}): Promise<WebServer> {
  const { config, log } = options;
  const gatewayUrl = `http://127.0.0.1:${config.GATEWAY_PORT}`;
  const dist = resolve(config.WEB_DIST_DIR);
  const proxy = httpProxy.createProxyServer({ target: gatewayUrl, ws: true, xfwd: true });
  proxy.on('error', (err, _req, res) => {
    log.warn({ err }, 'web proxy error');
    if (res && 'writeHead' in res && !res.headersSent) {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ error: { code: 'GATEWAY_UNAVAILABLE', message: 'The API is not reachable' } }),
      );
    } else if (res && 'destroy' in res) {
      res.destroy();
    }
  });

  const app = Fastify({
    loggerInstance: log.child({ service: 'web' }) as unknown as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
  });
  const metrics = createMetricsRegistry('web');
  installHttpMetrics(app, metrics);
  app.get('/health', async () => ({ status: 'ok', service: 'web' }));

  app.addHook('onRequest', async (request, reply) => {
    if (PROXIED.test(request.url)) {
      reply.hijack();
      proxy.web(request.raw, reply.raw);
    }
  });

  if (existsSync(resolve(dist, 'index.html'))) {
    await app.register(fastifyStatic, {
      root: dist,
      wildcard: false,
      setHeaders(res, path) {
        // Vite names assets by content hash: they never change, so browsers may keep them.
        if (path.includes('/assets/'))
          res.raw.setHeader('cache-control', 'public, max-age=31536000, immutable');
        else res.raw.setHeader('cache-control', 'no-cache');
      },
    });
    app.setNotFoundHandler((request, reply) => {
      if (request.method !== 'GET' && request.method !== 'HEAD')
        return reply.status(404).send({ error: { code: 'ROUTE_NOT_FOUND', message: 'Not found' } });
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    });
  } else {
    log.warn({ dist }, 'web app not built; run `npm run build -w apps/web`');
    app.setNotFoundHandler((_request, reply) =>
      reply
        .type('text/html')
        .send(
          '<!doctype html><h1>TIKETI</h1><p>The web app is not built. Run <code>npm run build -w apps/web</code>.</p>',
        ),
    );
  }

  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (req.url?.startsWith('/socket.io')) proxy.ws(req, socket, head);
    else socket.destroy();
  });

  await app.listen({ port: config.WEB_PORT, host: config.HOST });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.WEB_PORT;
  return {
    port,
    async close() {
      await app.close();
      proxy.close();
    },
  };
}
