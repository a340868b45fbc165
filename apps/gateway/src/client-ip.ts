import type { IncomingMessage } from 'node:http';

/**
 * The client's address chain as the gateway can trust it. A client may send any
 * X-Forwarded-For it likes, so only the last `trustedHops` entries (written by our own load
 * balancer or ingress) are believed; with 0 hops the socket address is the client, unless it is a
 * proxy on this very machine (loopback: the all-in-one web server), which is trusted for one hop.
 */
export function forwardedChain(
  request: Pick<IncomingMessage, 'headers' | 'socket'>,
  configuredHops: number,
): string[] {
  const remote = normaliseIp(request.socket.remoteAddress ?? 'unknown');
  const trustedHops = Math.max(configuredHops, isLoopback(remote) ? 1 : 0);
  if (trustedHops <= 0) return [remote];
  const header = request.headers['x-forwarded-for'];
  const listed = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map(normaliseIp);
  const chain = [...listed, remote];
  // The client is the entry just before the trusted proxies; anything further left is hearsay.
  const clientIndex = Math.max(0, chain.length - 1 - trustedHops);
  return chain.slice(clientIndex);
}

/** The address rate limits and logs attribute a request to. */
export function clientIp(request: Pick<IncomingMessage, 'headers' | 'socket'>, trustedHops: number): string {
  return forwardedChain(request, trustedHops)[0]!;
}

/** X-Forwarded-For to send on: the client first, then every proxy including the last hop. */
export function forwardedFor(
  request: Pick<IncomingMessage, 'headers' | 'socket'>,
  trustedHops: number,
): string {
  return forwardedChain(request, trustedHops).join(', ');
}

function isLoopback(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.');
}

function normaliseIp(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
