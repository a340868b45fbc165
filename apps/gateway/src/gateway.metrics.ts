import { Counter, type Registry } from 'prom-client';

export interface GatewayMetrics {
  /** Requests the edge turned away, by reason (rate_limited, invalid_token, admin_only, too_large, ...). */
  rejected: Counter<'reason'>;
  /** Forwarded requests a service did not answer. */
  upstreamFailures: Counter<'upstream'>;
  /** Reads the edge cache could answer: hit (answered at the edge) or miss (forwarded). */
  edgeCache: Counter<'outcome'>;
  /** Valid holds the sold-out memory looked at: answered at the edge, or forwarded. */
  soldOutEdge: Counter<'outcome'>;
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
      soldOutEdge: new Counter({
        name: 'tiketi_gateway_sold_out_holds_total',
        help: 'Holds for events the ticket service just called sold out, by outcome: answered (at the edge), forwarded (not known sold out, or past its moment)',
        labelNames: ['outcome'],
        registers: [registry],
      }),
    };
    byRegistry.set(registry, metrics);
  }
  return metrics;
}
