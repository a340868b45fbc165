import { describe, expect, it } from 'vitest';
import { clientIp, forwardedFor } from './client-ip';

const request = (remote: string, xff?: string) => ({
  headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
  socket: { remoteAddress: remote } as never,
});

describe('client address', () => {
  it('ignores a client-supplied X-Forwarded-For when no proxy is trusted', () => {
    const req = request('::ffff:10.0.0.9', '1.2.3.4');
    expect(clientIp(req, 0)).toBe('10.0.0.9');
    expect(forwardedFor(req, 0)).toBe('10.0.0.9');
  });

  it('believes only the entries our own proxies wrote', () => {
    // The client forged 6.6.6.6; the load balancer (10.0.0.1) appended the real 203.0.113.7.
    const req = request('10.0.0.1', '6.6.6.6, 203.0.113.7');
    expect(clientIp(req, 1)).toBe('203.0.113.7');
    expect(forwardedFor(req, 1)).toBe('203.0.113.7, 10.0.0.1');
  });

  it('trusts one hop from a proxy on this machine (the all-in-one web server)', () => {
    const req = request('::ffff:127.0.0.1', '6.6.6.6, 192.168.0.23');
    expect(clientIp(req, 0)).toBe('192.168.0.23');
    expect(forwardedFor(req, 0)).toBe('192.168.0.23, 127.0.0.1');
    expect(clientIp(request('::1'), 0)).toBe('::1');
  });

  it('falls back to the furthest address when the chain is shorter than the hops', () => {
    const req = request('10.0.0.1');
    expect(clientIp(req, 2)).toBe('10.0.0.1');
  });
});
