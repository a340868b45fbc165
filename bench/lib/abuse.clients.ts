import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import type { HttpClient } from './load';

/** A simulated client of bench/abuse.bench.ts: a signed-in buyer at its own address. */
export interface Buyer {
  email: string;
  token: string;
  ip: string;
}

/** Lets go of a hold, as the buyer it belongs to (a 429 is the abuser's own limit at work). */
export async function cancelHold(client: HttpClient, buyer: Buyer, reservationId: string): Promise<void> {
  const res = await client.request('POST', `/api/reservations/${reservationId}/cancel`, {
    token: buyer.token,
    headers: { 'x-forwarded-for': buyer.ip },
  });
  if (res.status !== 200 && res.status !== 429)
    throw new Error(`cancel failed: ${res.status} ${JSON.stringify(res.body)}`);
}

/** One Socket.IO connection through the gateway from `ip` (kept in `sockets` to close later). */
export function connectFrom(
  url: string,
  ip: string,
  sockets: Socket[],
): Promise<{ ok: boolean; ms: number }> {
  const started = performance.now();
  const socket = io(url, {
    path: '/socket.io',
    transports: ['websocket'],
    reconnection: false,
    timeout: 10_000,
    extraHeaders: { 'x-forwarded-for': ip },
  });
  sockets.push(socket);
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ ok: true, ms: performance.now() - started }));
    socket.once('connect_error', () => resolve({ ok: false, ms: performance.now() - started }));
  });
}
