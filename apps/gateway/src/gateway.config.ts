import { Type, type Static } from '@sinclair/typebox';
import { baseConfigSchema, mergeConfigSchemas } from '@tiketi/platform';

/** Variables only the gateway reads. */
export const gatewayOwnConfig = Type.Object({
  CORS_ORIGINS: Type.String({
    default: 'http://localhost:3000,http://127.0.0.1:3000',
    description: 'comma-separated origins allowed to call the API from a browser',
  }),
  GATEWAY_BODY_LIMIT_BYTES: Type.Integer({
    default: 1024 * 1024,
    description: 'largest JSON body accepted (uploads have their own limit)',
  }),
  GATEWAY_UPLOAD_LIMIT_BYTES: Type.Integer({
    default: 11 * 1024 * 1024,
    description: 'largest multipart upload accepted (posters)',
  }),
  RATE_LIMIT_IP_PER_MINUTE: Type.Integer({
    default: 600,
    minimum: 1,
    description: 'requests per minute per client IP',
  }),
  RATE_LIMIT_USER_PER_MINUTE: Type.Integer({
    default: 300,
    minimum: 1,
    description: 'requests per minute per signed-in user',
  }),
  RATE_LIMIT_IP_PER_SECOND: Type.Integer({
    default: 60,
    minimum: 1,
    description:
      'requests per second per client IP through one gateway replica, Socket.IO upgrades included: a burst limit under the per-minute one, which alone admits a whole minute at once (see the abuse benchmark in bench/RESULTS.md)',
  }),
  RATE_LIMIT_USER_PER_SECOND: Type.Integer({
    default: 30,
    minimum: 1,
    description:
      'requests per second per signed-in user through one gateway replica: a burst limit under the per-minute one',
  }),
  GATEWAY_PROXY_TIMEOUT_MS: Type.Integer({
    default: 30_000,
    minimum: 1000,
    description: 'longest wait for a service to answer (above the Socket.IO long-poll interval of 25 s)',
  }),
  GATEWAY_TRUST_PROXY_HOPS: Type.Integer({
    default: 0,
    minimum: 0,
    description:
      'proxies (load balancer, ingress) in front of the gateway whose X-Forwarded-For entries are trusted; 0 = the socket address is the client (a proxy on the same machine, like the all-in-one web server, always counts as one)',
  }),
  GATEWAY_HOLDS_IN_FLIGHT: Type.Integer({
    default: 48,
    minimum: 0,
    description:
      'hold requests (POST /api/tickets/book) let through to the ticket service at once per gateway while a payment (POST /api/payments/...) is under way through it; the rest wait their turn in arrival order, so confirms are not stuck behind a crowd of holds (48 on 2 cores; see bench/RESULTS.md). With no payment under way for GATEWAY_HOLDS_LIMIT_LINGER_MS, holds go straight through; 0 = never limit',
  }),
  GATEWAY_HOLDS_LIMIT_LINGER_MS: Type.Integer({
    default: 1_000,
    minimum: 0,
    description:
      'how long the GATEWAY_HOLDS_IN_FLIGHT limit stays on after the last payment under way through the gateway finished (so it does not flap between one payment and the next)',
  }),
  GATEWAY_SOLD_OUT_MS: Type.Integer({
    default: 1_000,
    minimum: 0,
    maximum: 10_000,
    description:
      "after the ticket service refuses a hold because the event is sold out, the gateway answers that event's holds itself (409 SEAT_UNAVAILABLE, details.soldOut) for this long after the last such answer (in its last quarter one hold goes on to the service, whose answer renews it, or ends it at once when a seat came back), so a crowd hammering a sold-out event costs neither the proxy hop nor the ticket service (ADR 0009); 0 = always ask the ticket service",
  }),
  GATEWAY_QUEUE_ROOM_MS: Type.Integer({
    default: 1_000,
    minimum: 0,
    maximum: 10_000,
    description:
      "after the ticket service answers a waiting-room join or poll for a room that always queues (mode on, sale not over), the gateway places that room's buyers in line and answers their polls itself, on the same shared line, for this long after the last such answer (in its last quarter one request goes on to the service, whose answer renews it, or ends it at once when the room changed), so a crowd joining costs neither the proxy hop nor the ticket service (ADR 0011); 0 = always ask the ticket service. Needs the same coordination (Redis, REDIS_KEY_PREFIX) as the ticket service",
  }),
  GATEWAY_EDGE_CACHE_ENTRIES: Type.Integer({
    default: 1_000,
    minimum: 0,
    description:
      'answers a gateway keeps for reads its services mark `cache-control: public, s-maxage=N` (an event page under a crowd), for N s (at most 10); 0 = no edge cache',
  }),
  GATEWAY_EDGE_CACHE_MAX_BODY_BYTES: Type.Integer({
    default: 256 * 1024,
    minimum: 1,
    description: 'largest answer the edge cache keeps',
  }),
  GATEWAY_EDGE_CACHE_MAX_BYTES: Type.Integer({
    default: 32 * 1024 * 1024,
    minimum: 1,
    description: 'all answers the edge cache keeps, together; past it the oldest go',
  }),
  GATEWAY_DOCS_CACHE_MS: Type.Integer({
    default: 10_000,
    minimum: 0,
    description: 'how long the merged OpenAPI document is cached',
  }),
});

export const gatewayConfigSchema = mergeConfigSchemas(baseConfigSchema, gatewayOwnConfig);
export type GatewayConfig = Static<typeof baseConfigSchema> & Static<typeof gatewayOwnConfig>;
