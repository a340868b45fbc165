import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { claimPort, firstListenable, freePort } from './free-port';

describe('freePort', () => {
  it('gives a port outside the range the kernel hands to outgoing connections, and one that can be bound', async () => {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(15_000);
      expect(port).toBeLessThan(low);
    }
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(ports[0], '127.0.0.1', resolve);
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('skips a port something is already listening on', async () => {
    const taken = await freePort();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(taken, '127.0.0.1', resolve));
    try {
      const other = await freePort();
      expect(await firstListenable([taken, taken, other])).toBe(other);
      expect(await firstListenable([taken])).toBeNull();
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('never hands out a port promised to another caller that has not listened yet', async () => {
    // Two test files starting platforms side by side: the first picks its ports, then spends
    // seconds on migrations before it listens; the second must not pick the same idle port.
    const promised = await freePort();
    expect(await firstListenable([promised])).toBe(promised);
    expect(claimPort(promised)).toBe(false);
    const others = Array.from({ length: 50 }, (_, i) => promised + 1 + i);
    const picked = await firstListenable([promised, promised, ...others], '127.0.0.1', claimPort);
    expect(others).toContain(picked);
    expect(await firstListenable([promised], '127.0.0.1', claimPort)).toBeNull();
  });

  it('hands out distinct ports to many callers that have not listened yet', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 300; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(ports.length);
  });
});
