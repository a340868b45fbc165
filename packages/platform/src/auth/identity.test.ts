import { describe, expect, it } from 'vitest';
import { IDENTITY_LIFETIME_MS, identitySigner } from './identity';
import type { AuthUser } from './tokens';

const buyer: AuthUser = { id: 'usr_1', role: 'user', sid: 'ses_1', email: 'b@tiketi.test', name: 'Buyer' };
const t0 = 1_800_000_000_000;

describe('identitySigner', () => {
  it('hands on the header it signed for a token while it is young, then signs a new one', () => {
    const signer = identitySigner('internal-secret');
    const first = signer.sign(buyer, 'token-a', t0);
    expect(signer.sign(buyer, 'token-a', t0 + 9_000)).toBe(first);
    expect(signer.sign(buyer, 'token-b', t0 + 9_000)).not.toBe(first);
    const later = signer.sign(buyer, 'token-a', t0 + 11_000);
    expect(later).not.toBe(first);
    // The reused header still has most of its life: the other side accepts it for 30 s from signing.
    expect(identitySigner('internal-secret').read(first, 'token-a', t0 + 9_000)).toEqual(buyer);
  });

  it('never answers an older moment with a header signed later', () => {
    const signer = identitySigner('internal-secret');
    signer.sign(buyer, 'token-a', t0);
    const stale = signer.sign(buyer, 'token-a', t0 - IDENTITY_LIFETIME_MS - 1_000);
    expect(identitySigner('internal-secret').read(stale, 'token-a', t0)).toBeNull();
  });

  it('a header it checked once is taken again only for the same token and before it expires', () => {
    const signer = identitySigner('internal-secret');
    const header = identitySigner('internal-secret').sign(buyer, 'token-a', t0);
    expect(signer.read(header, 'token-a', t0 + 1_000)).toEqual(buyer);
    expect(signer.read(header, 'token-a', t0 + 2_000)).toEqual(buyer);
    expect(signer.read(header, 'token-other', t0 + 2_000)).toBeNull();
    expect(signer.read(header, 'token-a', t0 + IDENTITY_LIFETIME_MS)).toBeNull();
  });

  it('refuses forged, tampered and missing headers', () => {
    const signer = identitySigner('internal-secret');
    const good = signer.sign(buyer, 'token-a', t0);
    expect(signer.read(undefined, 'token-a', t0)).toBeNull();
    expect(signer.read(identitySigner('guessed').sign(buyer, 'token-a', t0), 'token-a', t0)).toBeNull();
    const [version, until, claims, mac] = good.split('.');
    const admin = Buffer.from(JSON.stringify({ ...buyer, role: 'admin' })).toString('base64url');
    expect(signer.read([version, until, admin, mac].join('.'), 'token-a', t0)).toBeNull();
    expect(
      signer.read([version, String(Number(until) + 60_000), claims, mac].join('.'), 'token-a', t0),
    ).toBeNull();
    expect(signer.read(good, 'token-a', t0)).toEqual(buyer);
  });

  it('what read returns is the caller’s to change', () => {
    const signer = identitySigner('internal-secret');
    const header = signer.sign(buyer, 'token-a', t0);
    const user = signer.read(header, 'token-a', t0)!;
    user.role = 'admin';
    expect(signer.read(header, 'token-a', t0)?.role).toBe('user');
  });
});
