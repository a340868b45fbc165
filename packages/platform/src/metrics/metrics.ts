import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { SPENT_PARTS, requestContextOf } from '../logging/request-context';

/** One registry per service, so each port's /metrics shows that service even when they share a process. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

export function installHttpMetrics(app: FastifyInstance, registry: Registry): void {
  const histogram = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route pattern',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const spent = new Counter({
    name: 'http_request_spent_seconds_total',
    help: 'Time requests spent waiting for a database connection (db_wait), in statements (db), on Redis (coordination), in calls to other services (calls) and for an in-flight slot (slot_wait), summed by route; parallel work overlaps',
    labelNames: ['method', 'route', 'part'],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the raw URL: /api/events/:id, not /api/events/evt_123.
    const route = request.routeOptions.url ?? (reply.statusCode === 404 ? 'unmatched' : 'unknown');
    if (route === '/metrics') return;
    histogram.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    const parts = requestContextOf(request)?.spent;
    if (!parts) return;
    for (const part of SPENT_PARTS) {
      if (parts[part] > 0) spent.inc({ method: request.method, route, part }, parts[part] / 1000);
    }
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    void reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
}
