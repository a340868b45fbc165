import { setImmediate as nextTurn } from 'node:timers/promises';
import { AppError } from '../errors/app-error';
import type { Coordination } from '../coordination/coordination';
import type { AuthUser } from './tokens';
import { setBounded } from '../cache/bounded-map';

/** The channel on which the auth service names each session it ends, after writing its revocation key. */
export const SESSION_REVOKED_CHANNEL = 'auth:session-revoked';

/** A session found active is trusted this long at most, even with the watch live (a lost publish). */
const ACTIVE_TRUST_MS = 30_000;
/** How long a session named on the channel is refused here without asking (it never comes back). */
const REVOKED_KEPT_MS = 15 * 60_000;
const SESSIONS_KEPT = 100_000;
/**
 * A token issued this long after the subscription came live needs no first look-up (ADR 0010): a
 * session is ended after its tokens are issued, save for a refresh racing the logout, so its end
 * was announced while the watch listened. The margin covers that race and the clocks of the auth
 * service and the gateway disagreeing: twice the 5 s of skew the token check already tolerates.
 */
export const ISSUED_WHILE_LIVE_MARGIN_MS = 10_000;

/**
 * The revocation check without a round trip per request: a session found active (by the check it
 * wraps, which asks coordination) is trusted while the subscription to SESSION_REVOKED_CHANNEL has
 * stayed up since before it was asked, and until a message names it. With the subscription down
 * (Redis away or reconnecting) every request asks, as before; a check answered across a drop is not
 * kept. The auth service writes the revocation key before it publishes, so a check that asks after
 * the message came sees the key.
 *
 * Before it trusts a remembered session the watch lets one turn of the event loop pass: a revocation
 * that Redis wrote to this process's socket before the client's next request arrived is read first.
 * Redis writes it before it answers the auth service's PUBLISH, so before the logout's answer leaves;
 * only a client faster than Redis's own write to a gateway could slip one request past it.
 *
 * A session not seen yet is asked about once, unless its token was issued more than
 * ISSUED_WHILE_LIVE_MARGIN_MS after the subscription came live (ADR 0010): whatever ended it since
 * was announced here, and is refused from the message. It is then trusted as if found active.
 */
export class RevocationWatch {
  private live = false;
  /** When the subscription last came live (and every revocation named since is still kept); null while down. */
  private liveSince: number | null = null;
  /** Advances at every change of the subscription's state: an answer from an older epoch is not kept. */
  private epoch = 0;
  private readonly active = new Map<string, { epoch: number; until: number }>();
  private readonly revoked = new Map<string, number>();
  private unsubscribe: (() => Promise<void>) | null = null;

  constructor(
    private readonly coordination: Coordination,
    private readonly check: (user: AuthUser) => Promise<void>,
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = await this.coordination.subscribe(
      SESSION_REVOKED_CHANNEL,
      (sid) => this.sessionRevoked(sid),
      { onLive: (live) => this.subscriptionChanged(live) },
    );
  }

  async stop(): Promise<void> {
    this.subscriptionChanged(false);
    await this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** TOKEN_REVOKED when the user's session has ended; otherwise resolves. */
  async assertActive(user: AuthUser): Promise<void> {
    const { sid } = user;
    this.refuseIfRevoked(sid);
    if (this.trusted(sid) || this.issuedWhileLive(user)) {
      await nextTurn();
      this.refuseIfRevoked(sid);
      if (this.trusted(sid)) return;
      if (this.issuedWhileLive(user)) {
        // From now on like a session found active: trusted 30 s at most (a lost publish), then asked.
        this.trust(sid, this.epoch);
        return;
      }
    }
    const epoch = this.epoch;
    await this.check(user);
    if (this.live && epoch === this.epoch) this.trust(sid, epoch);
  }

  private trust(sid: string, epoch: number): void {
    setBounded(this.active, sid, { epoch, until: Date.now() + ACTIVE_TRUST_MS }, SESSIONS_KEPT);
  }

  /** A session not seen yet whose token was issued well after the subscription came live. */
  private issuedWhileLive(user: AuthUser): boolean {
    return (
      this.live &&
      this.liveSince !== null &&
      user.issuedAt !== undefined &&
      user.issuedAt - ISSUED_WHILE_LIVE_MARGIN_MS > this.liveSince &&
      !this.active.has(user.sid)
    );
  }

  private trusted(sid: string): boolean {
    const hit = this.active.get(sid);
    return hit !== undefined && this.live && hit.epoch === this.epoch && hit.until > Date.now();
  }

  private refuseIfRevoked(sid: string): void {
    const until = this.revoked.get(sid);
    if (until === undefined) return;
    if (until > Date.now()) throw AppError.unauthorized('TOKEN_REVOKED', 'Session has ended');
    this.revoked.delete(sid);
  }

  private sessionRevoked(sid: string): void {
    this.active.delete(sid);
    // Past the bound the oldest revocation goes: tokens issued before now are asked about again.
    if (this.revoked.size >= SESSIONS_KEPT && !this.revoked.has(sid) && this.liveSince !== null)
      this.liveSince = Date.now();
    setBounded(this.revoked, sid, Date.now() + REVOKED_KEPT_MS, SESSIONS_KEPT);
  }

  private subscriptionChanged(live: boolean): void {
    this.live = live;
    this.liveSince = live ? Date.now() : null;
    this.epoch += 1;
    this.active.clear();
  }
}
