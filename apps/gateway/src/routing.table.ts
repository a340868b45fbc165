/** The services the gateway fronts, by the config key holding each one's base URL. */
export type UpstreamName = 'auth' | 'ticket' | 'payment' | 'stats';

export const upstreamUrlKey = {
  auth: 'AUTH_URL',
  ticket: 'TICKET_URL',
  payment: 'PAYMENT_URL',
  stats: 'STATS_URL',
} as const satisfies Record<UpstreamName, string>;

export interface RouteEntry {
  /** Public path prefix; the gateway forwards the path unchanged. */
  prefix: string;
  upstream: UpstreamName;
  /** The path itself only, no sub-paths. */
  exact?: boolean;
}

/**
 * Which service answers which public path (the cross-area contract). A prefix matches itself, any
 * sub-path (`/api/events/...`) and any suffix on its last segment (`/api/admin/reservations.csv`).
 * `/internal/*` appears nowhere: service-to-service routes are never reachable from outside.
 */
export const routingTable: RouteEntry[] = [
  { prefix: '/api/auth', upstream: 'auth' },
  { prefix: '/.well-known/jwks.json', upstream: 'auth', exact: true },
  { prefix: '/api/admin/users', upstream: 'auth' },

  { prefix: '/api/events', upstream: 'ticket' },
  { prefix: '/api/venues', upstream: 'ticket' },
  { prefix: '/api/tickets', upstream: 'ticket' },
  { prefix: '/api/reservations', upstream: 'ticket' },
  { prefix: '/api/passes', upstream: 'ticket' },
  { prefix: '/api/queue', upstream: 'ticket' },
  { prefix: '/api/alerts', upstream: 'ticket' },
  { prefix: '/api/files', upstream: 'ticket' },
  { prefix: '/socket.io', upstream: 'ticket' },
  { prefix: '/api/admin/events', upstream: 'ticket' },
  { prefix: '/api/admin/reservations', upstream: 'ticket' },
  { prefix: '/api/admin/venues', upstream: 'ticket' },
  { prefix: '/api/admin/aliases', upstream: 'ticket' },
  { prefix: '/api/admin/entry', upstream: 'ticket' },

  { prefix: '/api/payments', upstream: 'payment' },
  { prefix: '/api/admin/payments', upstream: 'payment' },

  { prefix: '/api/stats', upstream: 'stats' },
  { prefix: '/api/admin/audit', upstream: 'stats' },
];

/** The service for a request path (query string ignored), or null when no service owns it. */
export function upstreamFor(url: string): UpstreamName | null {
  const path = url.split('?')[0]!;
  let best: RouteEntry | null = null;
  for (const entry of routingTable) {
    if (!path.startsWith(entry.prefix) || (entry.exact && path !== entry.prefix)) continue;
    const next = path.charAt(entry.prefix.length);
    // `/api/eventsX` is not `/api/events`; `/api/events/1` and `/api/events.csv` are.
    if (next !== '' && next !== '/' && next !== '.' && next !== '?') continue;
    if (!best || entry.prefix.length > best.prefix.length) best = entry;
  }
  return best?.upstream ?? null;
}

/** Paths only administrators may reach; the gateway checks the role before any service sees them. */
export function isAdminPath(url: string): boolean {
  const path = url.split('?')[0]!;
  return path === '/api/admin' || path.startsWith('/api/admin/') || path.startsWith('/api/admin.');
}

/** Fastify route patterns registering every table entry (the route label in metrics says which). */
export function routePatterns(entry: RouteEntry): string[] {
  if (entry.exact) return [entry.prefix];
  return [entry.prefix, `${entry.prefix}/*`, `${entry.prefix}.*`];
}
