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
 */
export class RevocationWatch {
  private live = false;
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
    if (this.trusted(sid)) {
      await nextTurn();
      this.refuseIfRevoked(sid);
      if (this.trusted(sid)) return;
    }
    const epoch = this.epoch;
    await this.check(user);
    if (this.live && epoch === this.epoch) {
      setBounded(this.active, sid, { epoch, until: Date.now() + ACTIVE_TRUST_MS }, SESSIONS_KEPT);
    }
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
    setBounded(this.revoked, sid, Date.now() + REVOKED_KEPT_MS, SESSIONS_KEPT);
  }

  private subscriptionChanged(live: boolean): void {
    this.live = live;
    this.epoch += 1;
    this.active.clear();
  }
}
