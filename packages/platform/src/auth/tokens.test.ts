import { afterEach, describe, expect, it, vi } from 'vitest';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { MemoryCoordination } from '../coordination/memory-coordination';
import { createTokenVerifier, revokedSessionKey, TOKEN_AUDIENCE, TOKEN_ISSUER } from './tokens';

async function setup() {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA' };
  const coordination = new MemoryCoordination();
  const verifier = createTokenVerifier({ jwks: { keys: [jwk] }, coordination, clockToleranceSec: 0 });
  const sign = (lifetimeSec: number, sid = 'ses_1') =>
    new SignJWT({ typ: 'access', sid, role: 'user' })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'k1' })
      .setSubject('usr_1')
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + lifetimeSec)
      .sign(privateKey);
  return { verifier, coordination, sign };
}

describe('token verifier', () => {
  afterEach(() => vi.useRealTimers());

  it('remembers a checked signature, yet refuses the token once it expires or its session is revoked', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { verifier, coordination, sign } = await setup();
    const token = await sign(30);
    expect((await verifier.verify(token)).id).toBe('usr_1');
    expect((await verifier.verify(token)).id).toBe('usr_1');

    vi.setSystemTime(Date.now() + 31_000);
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });

    const other = await sign(600, 'ses_2');
    expect((await verifier.verify(other)).sid).toBe('ses_2');
    await coordination.set(revokedSessionKey('ses_2'), '1');
    // A session just found active is trusted for 5 s by verify (the gateway asks every time) ...
    expect((await verifier.verify(other)).sid).toBe('ses_2');
    vi.setSystemTime(Date.now() + 5_001);
    await expect(verifier.verify(other)).rejects.toMatchObject({ code: 'TOKEN_REVOKED' });
    // ... and the two halves of verify: the signature alone passes, the revocation check refuses at once.
    const signed = await verifier.verifySigned(other);
    expect(signed).toMatchObject({ id: 'usr_1', sid: 'ses_2', role: 'user' });
    await expect(verifier.assertActive(signed)).rejects.toMatchObject({ code: 'TOKEN_REVOKED' });
    await expect(verifier.assertActive({ ...signed, sid: 'ses_3' })).resolves.toBeUndefined();
  });

  it('never takes a token for one it checked before when a byte differs', async () => {
    const { verifier, sign } = await setup();
    const token = await sign(600);
    await verifier.verify(token);
    const [h, p, sig] = token.split('.');
    const flipped = `${h}.${p}.${sig!.slice(0, -2)}${sig!.endsWith('AA') ? 'BB' : 'AA'}`;
    await expect(verifier.verify(flipped)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
  });
});
