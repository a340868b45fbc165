import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connectSocket } from 'socket.io-client';
import { createTestIssuer, type TestIssuer, type TestService } from '@tiketi/testing';
import { startGatewayOver } from './testing/gateway.testkit';
import type { GatewayConfig } from './gateway.config';
import { startEchoUpstream, startSocketUpstream, type FakeUpstream } from './testing/upstreams.fake';

/**
 * The per-second limits under the per-minute ones: a burst is held to the second's quota however
 * much of the minute is left, and the next second admits again.
 */
describe('burst limits at the edge', () => {
  let ticket: FakeUpstream;
  let socketUpstream: Awaited<ReturnType<typeof startSocketUpstream>>;
  let gateway: TestService<GatewayConfig>;
  let wsGateway: TestService<GatewayConfig>;
  let issuer: TestIssuer;
  let address = 1;
  const newAddress = () => `198.51.100.${address++}`;

  beforeAll(async () => {
    issuer = await createTestIssuer();
    ticket = await startEchoUpstream('ticket');
    socketUpstream = await startSocketUpstream();
    const limits = {
      RATE_LIMIT_IP_PER_MINUTE: '1000',
      RATE_LIMIT_USER_PER_MINUTE: '1000',
      RATE_LIMIT_IP_PER_SECOND: '5',
      RATE_LIMIT_USER_PER_SECOND: '3',
      GATEWAY_TRUST_PROXY_HOPS: '1',
    };
    gateway = await startGatewayOver(issuer, { ticket: ticket.url }, limits);
    wsGateway = await startGatewayOver(issuer, { ticket: socketUpstream.url }, limits);
  });
  afterAll(async () => {
    await wsGateway?.close();
    await gateway?.close();
    await ticket?.close();
    await socketUpstream?.close();
  });

  const burst = (n: number, headers: () => Record<string, string>) =>
    Promise.all(
      Array.from({ length: n }, async () => {
        const res = await fetch(`${gateway.url}/api/events`, { headers: headers() });
        return {
          status: res.status,
          body: (await res.json()) as any,
          retryAfter: res.headers.get('retry-after'),
        };
      }),
    );

  it('holds one address to its second, not its minute; others and the next second are not held', async () => {
    const ip = newAddress();
    const first = await burst(8, () => ({ 'x-forwarded-for': ip }));
    expect(first.filter((r) => r.status === 200)).toHaveLength(5);
    const limited = first.filter((r) => r.status === 429);
    expect(limited).toHaveLength(3);
    expect(limited[0]!.body.error).toMatchObject({ code: 'RATE_LIMITED', details: { scope: 'ip' } });
    expect(Number(limited[0]!.retryAfter)).toBe(1);
    expect((await burst(1, () => ({ 'x-forwarded-for': newAddress() })))[0]!.status).toBe(200);
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await burst(1, () => ({ 'x-forwarded-for': ip })))[0]!.status).toBe(200);
  });

  it('holds one signed-in user to its second whatever address it comes from', async () => {
    const buyer = await issuer.user('user');
    const answers = await burst(6, () => ({ ...buyer.headers, 'x-forwarded-for': newAddress() }));
    expect(answers.filter((r) => r.status === 200)).toHaveLength(3);
    const limited = answers.filter((r) => r.status === 429);
    expect(limited).toHaveLength(3);
    expect(limited[0]!.body.error).toMatchObject({ code: 'RATE_LIMITED', details: { scope: 'user' } });
  });

  it('counts Socket.IO upgrades against the address burst', async () => {
    const ip = newAddress();
    const open = (from: string) => {
      const socket = connectSocket(wsGateway.url!, {
        path: '/socket.io',
        transports: ['websocket'],
        reconnection: false,
        extraHeaders: { 'x-forwarded-for': from },
      });
      return new Promise<boolean>((resolve) => {
        socket.once('connect', () => resolve(true));
        socket.once('connect_error', () => resolve(false));
      }).finally(() => socket.close());
    };
    const opened = await Promise.all(Array.from({ length: 8 }, () => open(ip)));
    expect(opened.filter(Boolean)).toHaveLength(5);
    expect(await open(newAddress())).toBe(true);
  });
});
