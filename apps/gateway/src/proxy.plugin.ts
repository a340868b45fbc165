import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import replyFrom from '@fastify/reply-from';
import { Transform, type TransformCallback } from 'node:stream';
import { Gauge } from 'prom-client';
import {
  addSpent,
  AppError,
  bearerToken,
  IDENTITY_HEADER,
  identitySigner,
  INTERNAL_TOKEN_HEADER,
  REQUEST_ID_HEADER,
  requestContextOf,
  spendIn,
  type IdentitySigner,
  type ServiceContext,
} from '@tiketi/platform';
import type { GatewayConfig } from './gateway.config';
import { forwardedFor } from './client-ip';
import { gatewayMetrics } from './gateway.metrics';
import { InFlightLimit, WhilePaying } from './in-flight.limit';
import { holdAsked, SoldOutEvents, type SoldOutDecision } from './sold-out.edge';
import { QUEUE_ROOM_HEADER, SOLD_OUT_HEADER } from '@tiketi/contracts';
import { queueAsked, queueAtEdge, QueueRooms, type QueueAsked } from './queue.edge';
import { EdgeCache } from './edge.cache';
import { routePatterns, routingTable, upstreamUrlKey, type UpstreamName } from './routing.table';

// OPTIONS is answered by CORS at the edge; everything else goes to the owning service.
const METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

const kTooLarge = Symbol('gateway.bodyTooLarge');
/** Bodies up to this size are read whole before they are forwarded; larger ones are streamed. */
const WHOLE_BODY_BYTES = 64 * 1024;

export function upstreamBase(config: GatewayConfig, upstream: UpstreamName): string {
  return config[upstreamUrlKey[upstream]].replace(/\/$/, '');
}

function payloadTooLarge(limit: number): AppError {
  return new AppError('too_large', 'PAYLOAD_TOO_LARGE', 'Request body is too large', {
    details: { limitBytes: limit },
  });
}

/** Multipart (poster uploads) may be larger than any JSON body. */
export function bodyLimitFor(request: FastifyRequest, config: GatewayConfig): number {
  const type = String(request.headers['content-type'] ?? '').toLowerCase();
  return type.startsWith('multipart/form-data')
    ? config.GATEWAY_UPLOAD_LIMIT_BYTES
    : config.GATEWAY_BODY_LIMIT_BYTES;
}

/** Passes the body through untouched, failing once more than `limit` bytes have come. */
class LimitedBody extends Transform {
  private seen = 0;
  constructor(
    private readonly limit: number,
    private readonly onExceeded: () => void,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) {
      this.onExceeded();
      callback(payloadTooLarge(this.limit));
      return;
    }
    callback(null, chunk);
  }
}

/**
 * Forwards every path of the routing table unchanged to its service. Bodies are passed on, not
 * parsed (the service validates them), but never beyond the size limit. The request id, the
 * client's address and the original host go along, and so does the identity the edge established,
 * signed for the service (identity.ts); the internal token or an identity a client might try never does.
 */
export async function registerProxy(app: FastifyInstance, ctx: ServiceContext<GatewayConfig>): Promise<void> {
  const { config } = ctx;
  const identities = identitySigner(config.INTERNAL_TOKEN);
  await app.register(replyFrom, {
    disableCache: true,
    disableRequestLogging: true,
    undici: { connections: 128, keepAliveTimeout: 4_000, headersTimeout: config.GATEWAY_PROXY_TIMEOUT_MS },
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (request, payload, done) => {
    const limit = bodyLimitFor(request, config);
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      done(payloadTooLarge(limit), undefined);
      return;
    }
    // A small body of declared length (every JSON call) is read whole: forwarded as one buffer, it
    // leaves with the request's headers in one write instead of a stream's several. Node's parser
    // delivers exactly the declared bytes.
    if (Number.isFinite(declared) && declared <= WHOLE_BODY_BYTES && request.headers['content-type']) {
      const chunks: Buffer[] = [];
      payload.on('data', (chunk: Buffer) => chunks.push(chunk));
      payload.on('end', () => done(null, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
      payload.on('error', (err) => done(err, undefined));
      return;
    }
    const body = new LimitedBody(limit, () => {
      (request as unknown as Record<symbol, boolean>)[kTooLarge] = true;
    });
    payload.on('error', (err) => body.destroy(err));
    done(null, payload.pipe(body));
  });

  // Server-sent event streams and Socket.IO long polls never finish on their own: a graceful
  // shutdown drains ordinary requests but cuts these, and the clients reconnect elsewhere.
  const streams = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    for (const res of streams) res.destroy();
    streams.clear();
  });

  // Off until a payment is under way through this gateway (WhilePaying).
  const holds =
    config.GATEWAY_HOLDS_IN_FLIGHT > 0
      ? new InFlightLimit(config.GATEWAY_HOLDS_IN_FLIGHT, { on: false })
      : null;
  const paying = holds ? new WhilePaying(holds, config.GATEWAY_HOLDS_LIMIT_LINGER_MS) : null;
  if (holds && paying) {
    app.addHook('onClose', async () => paying.stop());
    new Gauge({
      name: 'gateway_holds_waiting',
      help: 'Hold requests waiting at the gateway for one of the GATEWAY_HOLDS_IN_FLIGHT slots',
      registers: [ctx.metrics],
      collect() {
        this.set(holds.waiting);
      },
    });
    new Gauge({
      name: 'gateway_holds_limited',
      help: 'Whether GATEWAY_HOLDS_IN_FLIGHT limits holds now (1 while payments are under way through this gateway)',
      registers: [ctx.metrics],
      collect() {
        this.set(holds.limiting ? 1 : 0);
      },
    });
  }

  const soldOut = config.GATEWAY_SOLD_OUT_MS > 0 ? new SoldOutEvents(config.GATEWAY_SOLD_OUT_MS) : null;
  const queueRooms = config.GATEWAY_QUEUE_ROOM_MS > 0 ? new QueueRooms(config.GATEWAY_QUEUE_ROOM_MS) : null;

  const cache =
    config.GATEWAY_EDGE_CACHE_ENTRIES > 0
      ? new EdgeCache({
          maxEntries: config.GATEWAY_EDGE_CACHE_ENTRIES,
          maxBodyBytes: config.GATEWAY_EDGE_CACHE_MAX_BODY_BYTES,
          maxBytes: config.GATEWAY_EDGE_CACHE_MAX_BYTES,
        })
      : null;
  const metrics = gatewayMetrics(ctx.metrics);

  for (const entry of routingTable) {
    for (const url of routePatterns(entry)) {
      app.route({
        method: METHODS,
        url,
        schema: { hide: true },
        handler: async (request, reply) => {
          if (isLongLived(request)) {
            streams.add(reply.raw);
            reply.raw.once('close', () => streams.delete(reply.raw));
          }
          if (paying && request.method === 'POST' && request.url.startsWith(PAYMENTS_PREFIX)) {
            reply.raw.once('close', paying.begin());
          }
          // A signed-in buyer's join or poll: answered here for a room the ticket service just said
          // always queues; sent on otherwise, and the service's answer may say so.
          const asked = queueRooms && request.user ? queueAsked(request.method, request.url) : null;
          const queue = queueRooms && asked ? { rooms: queueRooms, asked } : null;
          if (queue && queue.rooms.knowsAny()) {
            const answer = await queueAtEdge(queue.rooms, queue.asked, request.user!.id, ctx);
            metrics.queueEdge.inc({ outcome: answer.outcome });
            if (answer.view) return reply.code(200).send(answer.view);
          }
          const isHold = request.method === 'POST' && request.url.split('?')[0] === HOLD_PATH;
          // A signed-in buyer's valid hold, while some event is known sold out: the only request the
          // edge may answer for the ticket service.
          let probe: string | null = null;
          if (soldOut && isHold && request.user && soldOut.knowsAny()) {
            const asked = holdAsked(request.body);
            const decision = asked ? soldOut.answer(asked) : null;
            if (asked) metrics.soldOutEdge.inc({ outcome: soldOutOutcome(decision) });
            if (decision && 'refuse' in decision) throw decision.refuse;
            probe = decision?.probe ?? null;
          }
          if (holds && isHold) {
            const place = holds.enter();
            // Fires when the answer is sent, or when the client goes away, waiting or not.
            reply.raw.once('close', place.leave);
            const asked = performance.now();
            const admitted = await place.admitted;
            addSpent('slot_wait', performance.now() - asked);
            if (!admitted) {
              reply.hijack();
              return;
            }
          }
          const caching =
            cache && cacheable(request)
              ? { cache, key: EdgeCache.key(request.url, request.headers['accept-encoding']) }
              : null;
          if (caching) {
            const hit = caching.cache.get(caching.key);
            metrics.edgeCache.inc({ outcome: hit ? 'hit' : 'miss' });
            if (hit) {
              return reply
                .code(200)
                .headers(hit.headers)
                .header('age', String(Math.floor((Date.now() - hit.storedAt) / 1000)))
                .header('x-cache', 'hit')
                .send(hit.body);
            }
          }
          return forward(
            request,
            reply,
            entry.upstream,
            ctx,
            identities,
            caching,
            soldOut && { events: soldOut, probe },
            queue,
          );
        },
      });
    }
  }
}

function soldOutOutcome(decision: SoldOutDecision): 'answered' | 'probe' | 'forwarded' {
  if (!decision) return 'forwarded';
  return 'refuse' in decision ? 'answered' : 'probe';
}

/** The request a flash sale's crowd repeats: limited per gateway by GATEWAY_HOLDS_IN_FLIGHT. */
const HOLD_PATH = '/api/tickets/book';
/** A POST under it is a step of a payment (create, the checkout page, confirm, cancel, a webhook). */
const PAYMENTS_PREFIX = '/api/payments/';

/**
 * A read the edge may answer from its cache: a plain GET, not a stream, not a byte range, and not
 * an administrator's (services show administrators more than buyers).
 */
function cacheable(request: FastifyRequest): boolean {
  return (
    request.method === 'GET' &&
    request.user?.role !== 'admin' &&
    request.headers.range === undefined &&
    !isLongLived(request)
  );
}

function isLongLived(request: FastifyRequest): boolean {
  return (
    String(request.headers.accept ?? '').includes('text/event-stream') || request.url.startsWith('/socket.io')
  );
}

function forward(
  request: FastifyRequest,
  reply: FastifyReply,
  upstream: UpstreamName,
  ctx: ServiceContext<GatewayConfig>,
  identities: IdentitySigner,
  caching: { cache: EdgeCache; key: string } | null,
  soldOut: { events: SoldOutEvents; probe: string | null } | null,
  queue: { rooms: QueueRooms; asked: QueueAsked } | null,
): FastifyReply {
  const { config } = ctx;
  if (request.url.includes('%')) assertDecodable(request.url);
  const whole = Buffer.isBuffer(request.body) ? request.body : undefined;
  const context = requestContextOf(request);
  const sent = performance.now();
  return reply.from(`${upstreamBase(config, upstream)}${request.url}`, {
    timeout: config.GATEWAY_PROXY_TIMEOUT_MS,
    // Passed as is, with its own content type (reply-from would re-encode a JSON request's body).
    ...(whole ? { body: whole, contentType: String(request.headers['content-type']) } : {}),
    rewriteRequestHeaders: (_raw, headers) => {
      const out: Record<string, string | string[] | undefined> = { ...headers };
      delete out[INTERNAL_TOKEN_HEADER];
      delete out[IDENTITY_HEADER];
      // request.user is set only once the token's signature, expiry and session have all passed.
      const token = request.user ? bearerToken(request) : null;
      if (request.user && token) out[IDENTITY_HEADER] = identities.sign(request.user, token);
      out[REQUEST_ID_HEADER] = request.id;
      out['x-forwarded-for'] = forwardedFor(request.raw, config.GATEWAY_TRUST_PROXY_HOPS);
      if (config.GATEWAY_TRUST_PROXY_HOPS === 0 || !out['x-forwarded-host']) {
        out['x-forwarded-host'] = request.headers.host;
        out['x-forwarded-proto'] = request.protocol;
      }
      return out as never;
    },
    // reply-from's types give the raw server response here; at run time it is the upstream's answer.
    onResponse: (_request, out, res) =>
      relayAnswer(out as FastifyReply, res as unknown as UpstreamAnswer, caching),
    // The upstream's answer began: until then the request waited on the service (in /metrics as calls).
    rewriteHeaders: (headers) => {
      if (context) spendIn(context, 'calls', performance.now() - sent);
      // Meant for the gateway alone (ADR 0009): learnt from, never passed on.
      const soldOutHeader = headers[SOLD_OUT_HEADER];
      if (soldOutHeader !== undefined) {
        delete headers[SOLD_OUT_HEADER];
        soldOut?.events.learn(soldOutHeader);
      } else if (soldOut?.probe) soldOut.events.forget(soldOut.probe);
      // Meant for the gateway alone too (ADR 0011).
      const queueRoom = headers[QUEUE_ROOM_HEADER];
      if (queueRoom !== undefined) {
        delete headers[QUEUE_ROOM_HEADER];
        queue?.rooms.learn(queueRoom);
      } else if (queue) queue.rooms.forget(queue.asked.eventId);
      return headers;
    },
    onError: (errorReply, { error }) => {
      if (soldOut?.probe) soldOut.events.forget(soldOut.probe);
      if (queue) queue.rooms.forget(queue.asked.eventId);
      if ((request as unknown as Record<symbol, boolean>)[kTooLarge]) {
        errorReply.send(payloadTooLarge(bodyLimitFor(request, config)));
        return;
      }
      request.log.warn({ err: error, upstream }, 'upstream request failed');
      gatewayMetrics(ctx.metrics).upstreamFailures.inc({ upstream });
      errorReply.send(
        new AppError(
          'unavailable',
          'SERVICE_UNAVAILABLE',
          `The ${upstream} service is unavailable; try again shortly`,
          {
            headers: { 'retry-after': '5' },
          },
        ),
      );
    },
  });
}

interface UpstreamAnswer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  stream: NodeJS.ReadableStream & { destroy(error?: Error): void };
}

/**
 * Sends a service's answer on, keeping a copy when the service marked it public for a while. A
 * small answer of known length is read whole and sent as one buffer: piped as a stream, it cost
 * the gateway a stream's events and writes per request; whole, its headers and body leave together.
 */
function relayAnswer(
  reply: FastifyReply,
  res: UpstreamAnswer,
  caching: { cache: EdgeCache; key: string } | null,
): void {
  const keep = caching !== null && caching.cache.admits(res.statusCode, res.headers);
  const length = Number(res.headers['content-length']);
  // Without a content type Fastify would label a buffer application/octet-stream: those stream on.
  const small = length > 0 && length <= WHOLE_BODY_BYTES && res.headers['content-type'] !== undefined;
  if (!keep && !small) {
    void reply.send(res.stream);
    return;
  }
  const chunks: Buffer[] = [];
  res.stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.stream.on('error', (err: Error) => reply.raw.destroy(err));
  res.stream.on('end', () => {
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    if (keep) {
      caching.cache.put(caching.key, res.headers, body);
      void reply.header('x-cache', 'miss');
    }
    void reply.send(body);
  });
}

/** The proxy decodes the address to look for `..`: an escape that is not UTF-8 threw there, a 500. */
function assertDecodable(url: string): void {
  try {
    decodeURIComponent(url);
  } catch {
    throw AppError.invalid('MALFORMED_URL', 'The address has a percent-escape that is not valid UTF-8');
  }
}
