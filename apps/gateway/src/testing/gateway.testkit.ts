import { startTestService, type TestIssuer, type TestService } from '@tiketi/testing';
import { gatewayService } from '../gateway.service';
import type { GatewayConfig } from '../gateway.config';
import { closedPortUrl } from './upstreams.fake';

export type UpstreamUrls = Partial<Record<'auth' | 'ticket' | 'payment' | 'stats', string>>;

/** A listening gateway in front of the given stand-ins; every service not given is down. */
export async function startGatewayOver(
  issuer: TestIssuer,
  upstreams: UpstreamUrls,
  env: Record<string, string> = {},
): Promise<TestService<GatewayConfig>> {
  const down = await closedPortUrl();
  return startTestService(gatewayService, {
    issuer,
    listen: true,
    env: {
      AUTH_URL: upstreams.auth ?? down,
      TICKET_URL: upstreams.ticket ?? down,
      PAYMENT_URL: upstreams.payment ?? down,
      STATS_URL: upstreams.stats ?? down,
      ...env,
    },
  });
}
