import { describe, expect, it } from 'vitest';
import { signAdmission, verifyAdmission } from './queue.token';

const secret = 'unit-test-queue-secret-0123456789';
const claims = { eventId: 'evt_a', userId: 'usr_a', expiresAt: 2_000_000 };

describe('admission tokens', () => {
  it('accepts its own token for the same user, event and time', () => {
    const token = signAdmission(secret, claims);
    expect(verifyAdmission(secret, token, { eventId: 'evt_a', userId: 'usr_a', now: 1_999_999 })).toEqual({
      ok: true,
      claims,
    });
  });

  it('says why a token is refused', () => {
    const token = signAdmission(secret, claims);
    const check = (t: string, over: Partial<{ eventId: string; userId: string; now: number }> = {}) =>
      verifyAdmission(secret, t, { eventId: 'evt_a', userId: 'usr_a', now: 1_000, ...over });
    expect(check(token, { eventId: 'evt_b' })).toEqual({ ok: false, reason: 'event' });
    expect(check(token, { userId: 'usr_b' })).toEqual({ ok: false, reason: 'user' });
    expect(check(token, { now: 2_000_000 })).toEqual({ ok: false, reason: 'expired' });
    expect(check(signAdmission('another-secret-0123456789', claims))).toEqual({
      ok: false,
      reason: 'signature',
    });
    const [prefix, payload, mac] = token.split('.');
    const tampered = Buffer.from(JSON.stringify({ e: 'evt_a', u: 'usr_b', x: 2_000_000, n: 'n' })).toString(
      'base64url',
    );
    expect(check(`${prefix}.${tampered}.${mac}`)).toEqual({ ok: false, reason: 'signature' });
    expect(check(`${prefix}.${payload}`)).toEqual({ ok: false, reason: 'malformed' });
    expect(check('garbage')).toEqual({ ok: false, reason: 'malformed' });
  });
});
