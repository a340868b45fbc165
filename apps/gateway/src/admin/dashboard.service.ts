import { AppError, ServiceClient, isAppError } from '@tiketi/platform';
import type { FastifyBaseLogger } from 'fastify';
import type { GatewayConfig } from '../gateway.config';

export interface LiveFigures {
  queues: Array<{ eventId: string; title: string; waiting: number; inside: number }>;
  /** Seats held in unpaid reservations right now. */
  seatsHeld: number;
  /** Tickets sold per minute: seats in reservations confirmed during the last 60 seconds. */
  salesPerMinute: number;
}

export type Dashboard = Record<string, unknown> & { live: LiveFigures | null; degraded?: string[] };

export interface DashboardSources {
  stats(authorization: string, requestId: string): Promise<Record<string, unknown>>;
  live(requestId: string): Promise<LiveFigures>;
}

export function httpDashboardSources(config: GatewayConfig): DashboardSources {
  const stats = new ServiceClient(config.STATS_URL.replace(/\/$/, ''), config.INTERNAL_TOKEN, 'stats');
  const ticket = new ServiceClient(config.TICKET_URL.replace(/\/$/, ''), config.INTERNAL_TOKEN, 'ticket');
  return {
    // The stats route is an admin route of its own: it sees the admin's token, as if called directly.
    stats: (authorization, requestId) =>
      stats.call<Record<string, unknown>>('/api/stats/dashboard', {
        authorization,
        requestId,
        timeoutMs: 3_000,
      }),
    live: (requestId) => ticket.call<LiveFigures>('/internal/ops', { requestId, timeoutMs: 3_000 }),
  };
}

/** A refusal (the token, the role) is the caller's answer; anything else means the part is down. */
function isRefusal(err: unknown): boolean {
  return isAppError(err) && (err.status === 401 || err.status === 403);
}

/**
 * The stats dashboard plus live operational figures from the ticket service. One part being down
 * does not hide the other: the answer names what is missing in `degraded`.
 */
export async function buildDashboard(
  sources: DashboardSources,
  authorization: string,
  requestId: string,
  log: FastifyBaseLogger,
): Promise<Dashboard> {
  const [stats, live] = await Promise.allSettled([
    sources.stats(authorization, requestId),
    sources.live(requestId),
  ]);
  if (stats.status === 'rejected' && isRefusal(stats.reason)) throw stats.reason;
  const degraded: string[] = [];
  if (stats.status === 'rejected') {
    log.warn({ err: stats.reason }, 'dashboard: stats unavailable');
    degraded.push('stats');
  }
  if (live.status === 'rejected') {
    log.warn({ err: live.reason }, 'dashboard: live figures unavailable');
    degraded.push('live');
  }
  if (degraded.length === 2) {
    throw new AppError(
      'unavailable',
      'SERVICE_UNAVAILABLE',
      'Dashboard figures are unavailable; try again shortly',
    );
  }
  const dashboard: Dashboard = {
    ...(stats.status === 'fulfilled' ? stats.value : {}),
    live: live.status === 'fulfilled' ? live.value : null,
  };
  if (degraded.length > 0) dashboard.degraded = degraded;
  return dashboard;
}
