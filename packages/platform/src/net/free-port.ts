import { mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LOWEST = 15_000;
const DEFAULT_EPHEMERAL_START = 32_768;
/** Long enough to cover the slowest start between picking a port and listening on it. */
const CLAIM_TTL_MS = 5 * 60_000;
const CLAIM_DIR = join(tmpdir(), 'tiketi-port-claims');

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

function createClaim(file: string): boolean {
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Marks a port as promised to this process, across every process on the machine. A probe alone
 * cannot: a platform picks its ports up front and listens on each seconds later, after
 * migrations, and a test file running beside it could probe the same idle port and bind it
 * first. A claim older than a few minutes is stale (its owner listens by then, or died).
 */
export function claimPort(port: number): boolean {
  const file = join(CLAIM_DIR, String(port));
  try {
    mkdirSync(CLAIM_DIR, { recursive: true });
  } catch {
    return true; // No writable temp directory: the probe is all there is.
  }
  if (createClaim(file)) return true;
  try {
    if (Date.now() - statSync(file).mtimeMs < CLAIM_TTL_MS) return false;
    unlinkSync(file);
  } catch {
    // Gone or replaced meanwhile: the exclusive create below decides.
  }
  return createClaim(file);
}

/**
 * The first of the candidate ports that can be bound now and that `accept` takes (freePort's
 * `claimPort`, which marks it as promised to the caller).
 */
export async function firstListenable(
  candidates: Iterable<number>,
  host = '127.0.0.1',
  accept: (port: number) => boolean = () => true,
): Promise<number | null> {
  for (const port of candidates) if ((await canListen(port, host)) && accept(port)) return port;
  return null;
}

function* randomPorts(low: number, high: number, count: number): Generator<number> {
  for (let i = 0; i < count; i++) yield low + Math.floor(Math.random() * (high - low));
}

/**
 * A port free to listen on now and claimed for the caller, chosen at random below the
 * ephemeral range so that no outgoing connection can take it, and claimed so that no other
 * test process picks it before the caller binds it.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const top = ephemeralStart();
  const port = await firstListenable(randomPorts(LOWEST, top, 200), host, claimPort);
  if (port === null) throw new Error(`no free port found between ${LOWEST} and ${top}`);
  return port;
}
