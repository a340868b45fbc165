import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const LOWEST = 15_000;
const DEFAULT_EPHEMERAL_START = 32_768;

/**
 * Where the kernel starts handing out source ports for outgoing connections. A port taken from
 * `listen(0)` lies inside that range, so between closing the probe and the real listen any new
 * connection (to PostgreSQL, Redis, another service) may be given it: the cause of rare
 * EADDRINUSE failures when test files run side by side.
 */
function ephemeralStart(): number {
  try {
    const low =
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number)[0] ?? 0;
    return Number.isInteger(low) && low > LOWEST + 1_000 ? low : DEFAULT_EPHEMERAL_START;
  } catch {
    return DEFAULT_EPHEMERAL_START;
  }
}

function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The first of the candidate ports that can be bound now. */
export async function firstListenable(
  candidates: Iterable<number>,
  host = '127.0.0.1',
): Promise<number | null> {
  for (const port of candidates) if (await canListen(port, host)) return port;
  return null;
}

function* randomPorts(low: number, high: number, count: number): Generator<number> {
  for (let i = 0; i < count; i++) yield low + Math.floor(Math.random() * (high - low));
}

/**
 * A port free to listen on now, chosen at random below the ephemeral range so that only another
 * listener (not an outgoing connection) can take it before the caller binds it.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const top = ephemeralStart();
  const port = await firstListenable(randomPorts(LOWEST, top, 200), host);
  if (port === null) throw new Error(`no free port found between ${LOWEST} and ${top}`);
  return port;
}
