import Fastify, { type FastifyInstance } from 'fastify';
import { createServer, type Server } from 'node:http';
import { Server as SocketServer } from 'socket.io';

export interface SeenRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  bodyBytes: number;
  /** The body as text, when it is small (a test compares it byte for byte). */
  bodyText: string | null;
}

export interface FakeUpstream {
  name: string;
  url: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

/**
 * A stand-in service for gateway tests: answers every path with what it received (method, url,
 * headers, body size), so a test sees exactly what the gateway forwarded and whether it did.
 */
export async function startEchoUpstream(
  name: string,
  extra?: (app: FastifyInstance) => void,
): Promise<FakeUpstream> {
  const seen: SeenRequest[] = [];
  const app = Fastify({ bodyLimit: 50 * 1024 * 1024 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  extra?.(app);
  app.all('/*', async (request) => {
    const record = {
      method: request.method,
      url: request.url,
      headers: request.headers,
      bodyBytes: Buffer.isBuffer(request.body) ? request.body.length : 0,
      bodyText:
        Buffer.isBuffer(request.body) && request.body.length <= 4096 ? request.body.toString('utf8') : null,
    };
    seen.push(record);
    return { service: name, ...record };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { name, url: `http://127.0.0.1:${port}`, seen, close: () => app.close() };
}

/** A real Socket.IO server standing in for the ticket service's realtime endpoint. */
export async function startSocketUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  const io = new SocketServer(server, { path: '/socket.io' });
  io.on('connection', (socket) => {
    socket.on('echo', (payload: unknown, ack: (value: unknown) => void) =>
      ack({ payload, forwardedFor: socket.handshake.headers['x-forwarded-for'] }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        void io.close(() => resolve());
      }),
  };
}

/** A URL nothing listens on (a service that is down). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
