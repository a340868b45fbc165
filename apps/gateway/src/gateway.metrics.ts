import { Counter, type Registry } from 'prom-client';

export interface GatewayMetrics {
  /** Requests the edge turned away, by reason (rate_limited, invalid_token, admin_only, too_large, ...). */
  rejected: Counter<'reason'>;
  /** Forwarded requests a service did not answer. */
  upstreamFailures: Counter<'upstream'>;
  /** Reads the edge cache could answer: hit (answered at the edge) or miss (forwarded). */
  edgeCache: Counter<'outcome'>;
  /** Valid holds read at the edge while some event was known sold out: answered there, or forwarded. */
  soldOutEdge: Counter<'outcome'>;
  queueEdge: Counter<'outcome'>;
}

const byRegistry = new WeakMap<Registry, GatewayMetrics>();

export function gatewayMetrics(registry: Registry): GatewayMetrics {
  let metrics = byRegistry.get(registry);
  if (!metrics) {
    metrics = {
      rejected: new Counter({
        name: 'tiketi_gateway_rejected_total',
        help: 'Requests rejected at the edge before reaching a service',
        labelNames: ['reason'],
        registers: [registry],
      }),
      upstreamFailures: new Counter({
        name: 'tiketi_gateway_upstream_failures_total',
        help: 'Forwarded requests that got no answer from their service',
        labelNames: ['upstream'],
        registers: [registry],
      }),
      edgeCache: new Counter({
        name: 'tiketi_gateway_edge_cache_total',
        help: 'Reads the edge cache could answer, by outcome: hit (answered at the edge), miss (forwarded to the service)',
        labelNames: ['outcome'],
        registers: [registry],
      }),
      queueEdge: new Counter({
        name: 'tiketi_gateway_queue_edge_total',
        help: 'Waiting-room joins and polls for a room the ticket service had just said always queues, by outcome: answered (at the edge, on the shared line), probe (sent on to renew or end what the edge knows), forwarded (the room not open yet or over, a buyer neither admitted nor placed, coordination unreachable)',
        labelNames: ['outcome'],
        registers: [registry],
      }),
      soldOutEdge: new Counter({
        name: 'tiketi_gateway_sold_out_holds_total',
        help: 'Valid holds the gateway read while the ticket service had just called some event sold out, by outcome: answered (at the edge), probe (sent on to renew or end what the edge knows), forwarded (another event, or more seats than the limit)',
        labelNames: ['outcome'],
        registers: [registry],
      }),
    };
    byRegistry.set(registry, metrics);
  }
  return metrics;
}
