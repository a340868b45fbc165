import { setBounded } from '@tiketi/platform';

/**
 * What the edge decides for a request about something a service just told it: answer it with what
 * is known, send it on as the probe that renews (or ends) what is known, or (null) simply send it on.
 */
export type MomentDecision<T> = { known: T } | { probe: string } | null;

interface Moment<T> {
  value: T;
  until: number;
  /** When a request last went to the service to renew what the edge knows; 0: none yet. */
  probedAt: number;
}

/** The last part of a moment, as a share of it, in which a request goes to the service. */
const RENEW_SHARE = 0.25;
/** After this share of the moment without an answer to the probe, the next request is another. */
const REPROBE_SHARE = 0.1;

/**
 * Facts a service told this gateway replica in an answer, each kept for `forMs` after the service
 * last said it (ADR 0009, ADR 0011). Near the end of a moment one request is sent on (a probe)
 * while the others are still answered at the edge: the service's answer saying the same renews the
 * moment, any other answer ends it at once. Without the probe every request that arrived between
 * the moment's end and the service's next answer went to the service, and those were the slowest.
 */
export class EdgeMoments<T> {
  private readonly moments = new Map<string, Moment<T>>();
  /** When the last fact known stops being so: past it, nothing is known. */
  private knownUntil = 0;
  private readonly renewMs: number;
  private readonly reprobeMs: number;

  constructor(
    private readonly forMs: number,
    private readonly maxKeys = 10_000,
  ) {
    this.renewMs = Math.max(1, Math.round(forMs * RENEW_SHARE));
    this.reprobeMs = Math.max(1, Math.round(forMs * REPROBE_SHARE));
  }

  /** Whether anything is known now: only then is a request worth looking into at the edge. */
  knowsAny(now = Date.now()): boolean {
    if (this.moments.size > 0 && now >= this.knownUntil) this.moments.clear();
    return this.moments.size > 0;
  }

  learn(key: string, value: T, now = Date.now()): void {
    const until = now + this.forMs;
    setBounded(this.moments, key, { value, until, probedAt: 0 }, this.maxKeys);
    this.knownUntil = Math.max(this.knownUntil, until);
  }

  /** The service answered without saying it again: the edge stops answering for it now. */
  forget(key: string): void {
    this.moments.delete(key);
  }

  /** What is known of `key` now, without counting as a request (no probe is chosen). */
  peek(key: string, now = Date.now()): T | null {
    return this.current(key, now)?.value ?? null;
  }

  /** What is known of `key` now; in the moment's last quarter the first request is the probe. */
  decide(key: string, now = Date.now()): MomentDecision<T> {
    const moment = this.current(key, now);
    if (!moment) return null;
    if (now >= moment.until - this.renewMs && now - moment.probedAt >= this.reprobeMs) {
      moment.probedAt = now;
      return { probe: key };
    }
    return { known: moment.value };
  }

  /** The moment of `key` while it lasts; one that has passed is dropped. */
  private current(key: string, now: number): Moment<T> | undefined {
    const moment = this.moments.get(key);
    if (moment && moment.until <= now) {
      this.moments.delete(key);
      return undefined;
    }
    return moment;
  }
}
