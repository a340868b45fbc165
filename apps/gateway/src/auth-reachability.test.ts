import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { AppError } from '@tiketi/platform';
import { authReachability, explainVerificationFailure } from './auth-reachability';

const invalid = AppError.unauthorized('INVALID_TOKEN', 'Access token is invalid');
const jwtShaped = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1In0.c2ln';

describe('verification failures while auth is unreachable', () => {
  it('keeps 401 for what is not a token at all, or when auth answers', async () => {
    expect(await explainVerificationFailure(invalid, 'garbage', async () => false)).toBe(invalid);
    expect(await explainVerificationFailure(invalid, jwtShaped, async () => true)).toBe(invalid);
    const expired = AppError.unauthorized('TOKEN_EXPIRED', 'Access token expired');
    expect(await explainVerificationFailure(expired, jwtShaped, async () => false)).toBe(expired);
  });

  it('answers 503 AUTH_UNAVAILABLE for a token that could not be checked', async () => {
    const err = (await explainVerificationFailure(invalid, jwtShaped, async () => false)) as AppError;
    expect(err.status).toBe(503);
    expect(err.code).toBe('AUTH_UNAVAILABLE');
  });

  it('probes the key set at most every few seconds', async () => {
    let probes = 0;
    const server = createServer((_req, res) => {
      probes++;
      res.setHeader('content-type', 'application/json');
      res.end('{"keys":[]}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      let clock = 0;
      const reachable = authReachability(`http://127.0.0.1:${port}`, () => clock);
      expect(await Promise.all([reachable(), reachable()])).toEqual([true, true]);
      expect(await reachable()).toBe(true);
      expect(probes).toBe(1);
      clock += 6_000;
      expect(await reachable()).toBe(true);
      expect(probes).toBe(2);
    } finally {
      server.closeAllConnections();
      server.close();
    }
    // Nothing listening: unreachable, quickly.
    expect(await authReachability('http://127.0.0.1:9')()).toBe(false);
  });
});
