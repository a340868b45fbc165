import { AppError, type Coordination, type Logger, type WindowTally } from '@tiketi/platform';
import type { Counter } from 'prom-client';

export interface LoginThrottleOptions {
  maxPerAccount: number;
  maxPerIp: number;
  windowSeconds: number;
}

export interface LoginThrottleDeps {
  log?: Logger;
  /** Counts throttle operations coordination could not serve, by operation. */
  unavailable?: Counter<'operation'>;
}

/** An admitted sign-in attempt: whether coordination counted it (it was down otherwise). */
export interface LoginAttempt {
  counted: boolean;
}

/** Failed logins kept in memory while coordination is down: enough for an outage, bounded for an attack. */
const MAX_UNRECORDED_KEYS = 10_000;

/**
 * Counts sign-in attempts that did not succeed, per account and per client IP, in coordination
 * (shared by every replica). Once a counter reaches its limit, attempts are refused with 429 until
 * its window runs out, even with the right password: a guesser learns nothing from a locked account.
 *
 * Coordination is the fast path, not a gate: when it cannot be reached, sign-in goes on rather
 * than failing for everyone (with a warning and a metric), and this replica counts the failures it
 * sees itself, within the same window: a guesser is still stopped at the limit per replica instead
 * of getting unlimited tries for the length of the outage. Those failures are added to the shared
 * counters as soon as coordination answers again.
 */
export class LoginThrottle {
  /** Failures coordination has not counted yet, with when the first of them was seen. */
  private readonly unrecorded = new Map<string, { count: number; since: number }>();
  private flushing: Promise<void> | null = null;
  private lastWarnAt = 0;

  constructor(
    private readonly coordination: Coordination,
    private readonly options: LoginThrottleOptions,
    private readonly deps: LoginThrottleDeps = {},
    private readonly now: () => number = Date.now,
  ) {}

  private keys(email: string, ip: string): { account: string; ip: string } {
    return { account: `auth:login-fail:acct:${email}`, ip: `auth:login-fail:ip:${ip}` };
  }

  /** Failures counted here during an outage and not yet in coordination. */
  get unrecordedFailures(): number {
    let n = 0;
    for (const key of [...this.unrecorded.keys()]) n += this.kept(key)?.count ?? 0;
    return n;
  }

  /**
   * Counts a sign-in attempt against its account's and its address's limits before the password
   * is checked, and refuses it (429) past either. Counted first, the limits hold for attempts made
   * at once: checked first and counted after the password hash (tens of milliseconds), a burst of
   * guesses all passed a check that had counted none of them (33 failures from one address got
   * past its limit of 30 at only 4 in flight; an account's 5 allowed 5 plus whatever was in
   * flight). A sign-in that succeeds gives its count back (recordSuccess).
   */
  async admit(email: string, ip: string): Promise<LoginAttempt> {
    const keys = this.keys(email, ip);
    const windowMs = this.options.windowSeconds * 1000;
    let tallies: WindowTally[];
    try {
      await this.flushUnrecorded();
      tallies = await this.coordination.hitWindows([
        { key: keys.account, windowMs, hits: 1 },
        { key: keys.ip, windowMs, hits: 1 },
      ]);
    } catch (err) {
      this.unavailable('check', err);
      this.assertAllowedLocally(keys);
      return { counted: false };
    }
    const [account, address] = tallies as [WindowTally, WindowTally];
    let retryMs = -1;
    if (account.count > this.options.maxPerAccount) retryMs = Math.max(retryMs, account.ttlMs);
    if (address.count > this.options.maxPerIp) retryMs = Math.max(retryMs, address.ttlMs);
    if (retryMs >= 0) {
      // Refused, so not an attempt: taken back from both counters. Kept, a throttled address's
      // refused requests would go on counting against every account it names and lock them all.
      await this.giveBack([keys.account, keys.ip]);
      throw this.tooManyAttempts(retryMs);
    }
    return { counted: true };
  }

  /** While coordination is down: the failures this replica saw in the window decide alone. */
  private assertAllowedLocally(keys: { account: string; ip: string }): void {
    let retryMs = 0;
    let blocked = false;
    for (const [key, max] of [
      [keys.account, this.options.maxPerAccount],
      [keys.ip, this.options.maxPerIp],
    ] as const) {
      const kept = this.kept(key);
      if (!kept || kept.count < max) continue;
      blocked = true;
      retryMs = Math.max(retryMs, kept.since + this.options.windowSeconds * 1000 - this.now());
    }
    if (blocked) throw this.tooManyAttempts(retryMs);
  }

  private tooManyAttempts(retryMs: number): AppError {
    const retryAfter = Math.max(
      1,
      Math.ceil((retryMs > 0 ? retryMs : this.options.windowSeconds * 1000) / 1000),
    );
    return new AppError(
      'rate_limited',
      'TOO_MANY_ATTEMPTS',
      'Too many failed sign-in attempts; try again later',
      {
        details: { retryAfterSeconds: retryAfter },
        headers: { 'retry-after': String(retryAfter) },
      },
    );
  }

  /** A wrong password: counted already when admitted, unless coordination was down then. */
  async recordFailure(email: string, ip: string, attempt: LoginAttempt): Promise<void> {
    if (attempt.counted) return;
    const keys = this.keys(email, ip);
    try {
      await this.flushUnrecorded();
    } catch (err) {
      this.remember(keys.account, 1);
      this.remember(keys.ip, 1);
      this.unavailable('record', err);
      return;
    }
    const ttlMs = this.options.windowSeconds * 1000;
    const results = await Promise.allSettled([
      this.coordination.incr(keys.account, { ttlMs }),
      this.coordination.incr(keys.ip, { ttlMs }),
    ]);
    const failed = results.flatMap((r, i) =>
      r.status === 'rejected' ? [{ key: i === 0 ? keys.account : keys.ip, err: r.reason as unknown }] : [],
    );
    for (const { key } of failed) this.remember(key, 1);
    if (failed.length > 0) this.unavailable('record', failed[0]!.err);
  }

  /** The right password: the account starts afresh, and the address gets this attempt back. */
  async recordSuccess(email: string, ip: string, attempt: LoginAttempt): Promise<void> {
    const keys = this.keys(email, ip);
    this.unrecorded.delete(keys.account);
    try {
      await this.coordination.del(keys.account);
      if (attempt.counted) await this.giveBack([keys.ip]);
    } catch (err) {
      this.unavailable('clear', err);
    }
  }

  /** The owner proved the account theirs another way (a reset link from their mailbox): its lock ends. */
  async forgive(email: string): Promise<void> {
    const { account } = this.keys(email, '');
    this.unrecorded.delete(account);
    try {
      await this.coordination.del(account);
    } catch (err) {
      this.unavailable('clear', err);
    }
  }

  /** Takes one hit back from each counter (with the window's TTL, should the key have expired meanwhile). */
  private async giveBack(keys: string[]): Promise<void> {
    const ttlMs = this.options.windowSeconds * 1000;
    await Promise.all(keys.map((key) => this.coordination.incr(key, { by: -1, ttlMs })));
  }

  /** A key's kept failures, unless its window has run out (then they no longer count anywhere). */
  private kept(key: string): { count: number; since: number } | undefined {
    const entry = this.unrecorded.get(key);
    if (entry && entry.since + this.options.windowSeconds * 1000 <= this.now()) {
      this.unrecorded.delete(key);
      return undefined;
    }
    return entry;
  }

  private remember(key: string, count: number): void {
    const entry = this.kept(key);
    if (entry) {
      entry.count += count;
      return;
    }
    if (this.unrecorded.size >= MAX_UNRECORDED_KEYS) {
      for (const k of [...this.unrecorded.keys()]) this.kept(k);
      if (this.unrecorded.size >= MAX_UNRECORDED_KEYS) return;
    }
    this.unrecorded.set(key, { count, since: this.now() });
  }

  /** Adds the failures kept during an outage to the shared counters; throws while still down. */
  private flushUnrecorded(): Promise<void> {
    if (this.unrecorded.size === 0) return Promise.resolve();
    this.flushing ??= this.flushKept().finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async flushKept(): Promise<void> {
    const ttlMs = this.options.windowSeconds * 1000;
    for (const key of [...this.unrecorded.keys()]) {
      const entry = this.kept(key);
      if (!entry) continue;
      const { count } = entry;
      await this.coordination.incr(key, { ttlMs, by: count });
      const current = this.unrecorded.get(key);
      if (current && current.count > count) current.count -= count;
      else this.unrecorded.delete(key);
    }
  }

  private unavailable(operation: 'check' | 'record' | 'clear', err: unknown): void {
    this.deps.unavailable?.inc({ operation });
    // One line per outage burst, not one per sign-in.
    if (Date.now() - this.lastWarnAt < 10_000) return;
    this.lastWarnAt = Date.now();
    this.deps.log?.warn(
      { err: (err as Error)?.message ?? String(err), operation },
      'login throttle on this replica only (coordination down); failures are counted here until it is back',
    );
  }
}
