import type { FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import httpProxy from 'http-proxy';
import {
  IDENTITY_HEADER,
  INTERNAL_TOKEN_HEADER,
  REQUEST_ID_HEADER,
  type ServiceContext,
} from '@tiketi/platform';
import type { GatewayConfig } from './gateway.config';
import { clientIp, forwardedFor } from './client-ip';
import { ipRateKey, MINUTE_MS } from './edge.plugin';
import { edgeBurst } from './burst.limiter';
import { edgeLimiter, hit, RATE_KEY_PREFIX } from './rate-limit.store';
import { upstreamFor } from './routing.table';
import { upstreamBase } from './proxy.plugin';

/**
 * WebSocket upgrades (Socket.IO's `/socket.io` transport) bypass Fastify's routing: they arrive as
 * the HTTP server's 'upgrade' event and are piped to the ticket service. Any other path is refused.
 */
export function installWebSocketProxy(app: FastifyInstance, ctx: ServiceContext<GatewayConfig>): void {
  const { config } = ctx;
  const proxy = httpProxy.createProxyServer({
    ws: true,
    xfwd: false,
    proxyTimeout: config.GATEWAY_PROXY_TIMEOUT_MS,
  });
  const open = new Set<Duplex>();

  proxy.on('open', (upstreamSocket: Duplex) => {
    open.add(upstreamSocket);
    upstreamSocket.on('close', () => open.delete(upstreamSocket));
  });
  proxy.on('error', (err, _req, target) => {
    ctx.log.warn({ err }, 'websocket proxy failed');
    const socket = target as Duplex;
    if (!socket.destroyed) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      socket.destroy();
    }
  });

  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A client resetting mid-handshake must not become an unhandled error.
    socket.on('error', () => socket.destroy());
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    const upstream = upstreamFor(req.url ?? '/');
    if (upstream !== 'ticket' || !(req.url ?? '').startsWith('/socket.io')) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      socket.destroy();
      return;
    }
    void admitUpgrade(req).then((allowed) => {
      if (!allowed) {
        socket.end(
          'HTTP/1.1 429 Too Many Requests\r\nretry-after: 60\r\nconnection: close\r\ncontent-length: 0\r\n\r\n',
        );
        socket.destroy();
        return;
      }
      pass(req, socket, head);
    });
  });

  /** Upgrades count against the caller's per-address limits (minute and second) like any other request. */
  async function admitUpgrade(req: IncomingMessage): Promise<boolean> {
    try {
      const ip = clientIp(req, config.GATEWAY_TRUST_PROXY_HOPS);
      const limiter = edgeLimiter(ctx);
      const minute = await hit(
        limiter,
        `${RATE_KEY_PREFIX}${ipRateKey(ip)}`,
        MINUTE_MS,
        config.RATE_LIMIT_IP_PER_MINUTE,
      );
      if (minute.current > config.RATE_LIMIT_IP_PER_MINUTE) return false;
      return edgeBurst(ctx).ip.admit(ip);
    } catch {
      return true;
    }
  }

  function pass(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (socket.destroyed) return;
    delete req.headers[INTERNAL_TOKEN_HEADER];
    delete req.headers[IDENTITY_HEADER];
    req.headers[REQUEST_ID_HEADER] = String(req.headers[REQUEST_ID_HEADER] ?? randomUUID());
    req.headers['x-forwarded-for'] = forwardedFor(req, config.GATEWAY_TRUST_PROXY_HOPS);
    proxy.ws(req, socket, head, { target: upstreamBase(config, 'ticket') });
  }

  // Upgraded sockets (both ends) are no longer the HTTP server's to drain: close them so shutdown is not held up.
  app.addHook('preClose', async () => {
    for (const socket of open) socket.destroy();
    proxy.close();
  });
}
