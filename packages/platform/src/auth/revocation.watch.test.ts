import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryCoordination } from '../coordination/memory-coordination';
import type { ChannelSubscribeOptions, MessageHandler } from '../coordination/coordination';
import { AppError } from '../errors/app-error';
import { ISSUED_WHILE_LIVE_MARGIN_MS, RevocationWatch, SESSION_REVOKED_CHANNEL } from './revocation.watch';
import type { AuthUser } from './tokens';

const user = (sid: string, issuedAt?: number): AuthUser => ({ id: 'usr_1', role: 'user', sid, issuedAt });
const revokedError = () => AppError.unauthorized('TOKEN_REVOKED', 'Session has ended');

/** In-process coordination whose subscription can be dropped and restored by the test. */
class DroppableCoordination extends MemoryCoordination {
  private onLive: ((live: boolean) => void) | undefined;
  override async subscribe(channel: string, handler: MessageHandler, options: ChannelSubscribeOptions = {}) {
    this.onLive = options.onLive;
    return super.subscribe(channel, handler, options);
  }
  setLive(live: boolean) {
    this.onLive?.(live);
  }
}

async function setup() {
  const coordination = new DroppableCoordination();
  const revoked = new Set<string>();
  const check = vi.fn(async (u: AuthUser) => {
    if (revoked.has(u.sid)) throw revokedError();
  });
  const watch = new RevocationWatch(coordination, check);
  await watch.start();
  /** What the auth service does on logout: the key, then the message. */
  const logout = async (sid: string) => {
    revoked.add(sid);
    await coordination.publish(SESSION_REVOKED_CHANNEL, sid);
  };
  return { coordination, check, watch, revoked, logout };
}

describe('RevocationWatch', () => {
  afterEach(() => vi.useRealTimers());

  it('asks once for a session, then trusts it until a message names it', async () => {
    const { check, watch, logout } = await setup();
    for (let i = 0; i < 5; i++) await watch.assertActive(user('ses_1'));
    expect(check).toHaveBeenCalledTimes(1);

    await logout('ses_1');
    await expect(watch.assertActive(user('ses_1'))).rejects.toMatchObject({ code: 'TOKEN_REVOKED' });
    // Refused from the message alone, without asking.
    expect(check).toHaveBeenCalledTimes(1);
    await expect(watch.assertActive(user('ses_1'))).rejects.toMatchObject({ code: 'TOKEN_REVOKED' });
    // Another session is not touched.
    await watch.assertActive(user('ses_2'));
    await watch.assertActive(user('ses_2'));
    expect(check).toHaveBeenCalledTimes(2);
  });

  it('asks on every request while the subscription is down, and keeps nothing learnt across a drop', async () => {
    const { coordination, check, watch, revoked } = await setup();
    await watch.assertActive(user('ses_1'));
    coordination.setLive(false);
    await watch.assertActive(user('ses_1'));
    await watch.assertActive(user('ses_1'));
    expect(check).toHaveBeenCalledTimes(3);

    // A logout while down: the message is lost, yet the key is read.
    revoked.add('ses_1');
    coordination.setLive(true);
    await expect(watch.assertActive(user('ses_1'))).rejects.toMatchObject({ code: 'TOKEN_REVOKED' });

    // An answer that came back across a drop and a reconnect is not trusted afterwards.
    let release!: () => void;
    check.mockImplementationOnce(() => new Promise<void>((resolve) => (release = resolve)));
    const pending = watch.assertActive(user('ses_3'));
    coordination.setLive(false);
    coordination.setLive(true);
    release();
    await pending;
    const before = check.mock.calls.length;
    await watch.assertActive(user('ses_3'));
    expect(check.mock.calls.length).toBe(before + 1);
  });

  it('does not keep an answer when the message came while it was being asked', async () => {
    const { check, watch, logout } = await setup();
    let release!: () => void;
    check.mockImplementationOnce(() => new Promise<void>((resolve) => (release = resolve)));
    // Asked before the key was written: the answer is "active" ...
    const pending = watch.assertActive(user('ses_1'));
    await logout('ses_1');
    release();
    await pending;
    // ... but the message came meanwhile, so the next request is refused.
    await expect(watch.assertActive(user('ses_1'))).rejects.toMatchObject({ code: 'TOKEN_REVOKED' });
  });

  it('reads a message already waiting before it trusts a remembered session', async () => {
    const { coordination, watch } = await setup();
    await watch.assertActive(user('ses_1'));
    // Delivered on a later turn, as a message still in the socket would be.
    setImmediate(() => void coordination.publish(SESSION_REVOKED_CHANNEL, 'ses_1'));
    await expect(watch.assertActive(user('ses_1'))).rejects.toMatchObject({ code: 'TOKEN_REVOKED' });
  });

  it('asks again after 30 s even with the subscription up (a lost publish)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { check, watch, revoked } = await setup();
    await watch.assertActive(user('ses_1'));
    revoked.add('ses_1');
    await watch.assertActive(user('ses_1'));
    vi.setSystemTime(Date.now() + 30_001);
    await expect(watch.assertActive(user('ses_1'))).rejects.toMatchObject({ code: 'TOKEN_REVOKED' });
    expect(check).toHaveBeenCalledTimes(2);
  });

  describe('a token issued while the watch listened (ADR 0010)', () => {
    const later = () => Date.now() + ISSUED_WHILE_LIVE_MARGIN_MS + 1_000;

    it('is not asked about first, is refused from the message, and is asked again after 30 s', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      const { check, watch, logout, revoked } = await setup();
      vi.setSystemTime(later());
      const issuedAt = Date.now() - 500;
      for (let i = 0; i < 3; i++) await watch.assertActive(user('ses_new', issuedAt));
      expect(check).not.toHaveBeenCalled();

      await logout('ses_new');
      await expect(watch.assertActive(user('ses_new', issuedAt))).rejects.toMatchObject({
        code: 'TOKEN_REVOKED',
      });
      expect(check).not.toHaveBeenCalled();

      // A lost publish: the key alone, found once the 30 s of trust have passed.
      await watch.assertActive(user('ses_other', issuedAt));
      revoked.add('ses_other');
      vi.setSystemTime(Date.now() + 30_001);
      await expect(watch.assertActive(user('ses_other', issuedAt))).rejects.toMatchObject({
        code: 'TOKEN_REVOKED',
      });
      expect(check).toHaveBeenCalledTimes(1);
    });

    it('asks about a token issued before the subscription came live, or within the margin after', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      const { check, watch, revoked } = await setup();
      const liveAt = Date.now();
      vi.setSystemTime(later());
      // Ended while nobody listened: only the key says so.
      revoked.add('ses_old');
      await expect(watch.assertActive(user('ses_old', liveAt - 1_000))).rejects.toMatchObject({
        code: 'TOKEN_REVOKED',
      });
      await watch.assertActive(user('ses_margin', liveAt + ISSUED_WHILE_LIVE_MARGIN_MS - 1_000));
      // A token without a known issue time is asked about too.
      await watch.assertActive(user('ses_unknown'));
      expect(check).toHaveBeenCalledTimes(3);
    });

    it('asks again about tokens issued before the subscription last came back', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      const { coordination, check, watch } = await setup();
      vi.setSystemTime(later());
      const issuedAt = Date.now();
      coordination.setLive(false);
      await watch.assertActive(user('ses_1', issuedAt));
      expect(check).toHaveBeenCalledTimes(1);
      vi.setSystemTime(Date.now() + 5_000);
      coordination.setLive(true);
      await watch.assertActive(user('ses_2', issuedAt));
      expect(check).toHaveBeenCalledTimes(2);
    });

    it('asks again about older tokens once it had to forget a revocation', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      const { coordination, check, watch } = await setup();
      vi.setSystemTime(later());
      const issuedAt = Date.now();
      vi.setSystemTime(Date.now() + 1_000);
      for (let i = 0; i < 100_000; i++) await coordination.publish(SESSION_REVOKED_CHANNEL, `ses_gone_${i}`);
      await watch.assertActive(user('ses_fresh', issuedAt));
      expect(check).toHaveBeenCalledTimes(0);
      // One more than it keeps: the oldest is forgotten, so older tokens are asked about again.
      await coordination.publish(SESSION_REVOKED_CHANNEL, 'ses_gone_last');
      await watch.assertActive(user('ses_fresh_2', issuedAt));
      expect(check).toHaveBeenCalledTimes(1);
    });
  });

  it('after stop, asks every time', async () => {
    const { check, watch } = await setup();
    await watch.assertActive(user('ses_1'));
    await watch.stop();
    await watch.assertActive(user('ses_1'));
    expect(check).toHaveBeenCalledTimes(2);
  });
});
