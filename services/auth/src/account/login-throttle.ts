import { AppError, type Coordination, type Logger } from '@tiketi/platform';
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

/** Failed logins kept in memory while coordination is down: enough for an outage, bounded for an attack. */
const MAX_UNRECORDED_KEYS = 10_000;

/**
 * Counts failed logins per account and per client IP in coordination (shared by every replica).
 * Once a counter reaches its limit, attempts are refused with 429 until its window runs out, even
 * with the right password: a guesser learns nothing from a locked account.
 *
 * Coordination is the fast path, not a gate: when it cannot be reached, sign-in goes on without the
 * throttle (with a warning and a metric) rather than failing for everyone. Failures seen meanwhile
 * are kept here and added to the shared counters as soon as coordination answers again.
 */
export class LoginThrottle {
  private readonly unrecorded = new Map<string, number>();
  private flushing: Promise<void> | null = null;
  private lastWarnAt = 0;

  constructor(
    private readonly coordination: Coordination,
    private readonly options: LoginThrottleOptions,
    private readonly deps: LoginThrottleDeps = {},
  ) {}

  private keys(email: string, ip: string): { account: string; ip: string } {
    return { account: `auth:login-fail:acct:${email}`, ip: `auth:login-fail:ip:${ip}` };
  }

  /** Failures counted here during an outage and not yet in coordination. */
  get unrecordedFailures(): number {
    let n = 0;
    for (const count of this.unrecorded.values()) n += count;
    return n;
  }

  async assertAllowed(email: string, ip: string): Promise<void> {
    const keys = this.keys(email, ip);
    let counts: number[];
    try {
      await this.flushUnrecorded();
      counts = (await this.coordination.mget([keys.account, keys.ip])).map((v) => Number(v ?? 0));
    } catch (err) {
      this.unavailable('check', err);
      return;
    }
    const blocked: string[] = [];
    if (counts[0]! >= this.options.maxPerAccount) blocked.push(keys.account);
    if (counts[1]! >= this.options.maxPerIp) blocked.push(keys.ip);
    if (blocked.length === 0) return;
    let retryMs = 0;
    try {
      for (const key of blocked) retryMs = Math.max(retryMs, await this.coordination.ttl(key));
    } catch {
      // Still blocked; only the exact wait is unknown.
    }
    const retryAfter = Math.max(
      1,
      Math.ceil((retryMs > 0 ? retryMs : this.options.windowSeconds * 1000) / 1000),
    );
    throw new AppError(
      'rate_limited',
      'TOO_MANY_ATTEMPTS',
      'Too many failed sign-in attempts; try again later',
      {
        details: { retryAfterSeconds: retryAfter },
        headers: { 'retry-after': String(retryAfter) },
      },
    );
  }

  async recordFailure(email: string, ip: string): Promise<void> {
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

  async recordSuccess(email: string): Promise<void> {
    const key = this.keys(email, '').account;
    this.unrecorded.delete(key);
    try {
      await this.coordination.del(key);
    } catch (err) {
      this.unavailable('clear', err);
    }
  }

  private remember(key: string, count: number): void {
    if (!this.unrecorded.has(key) && this.unrecorded.size >= MAX_UNRECORDED_KEYS) return;
    this.unrecorded.set(key, (this.unrecorded.get(key) ?? 0) + count);
  }

  /** Adds the failures kept during an outage to the shared counters; throws while still down. */
  private flushUnrecorded(): Promise<void> {
    if (this.unrecorded.size === 0) return Promise.resolve();
    this.flushing ??= this.flushKept().finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async flushKept(): Promise<void> {
    const ttlMs = this.options.windowSeconds * 1000;
    for (const [key, count] of [...this.unrecorded]) {
      await this.coordination.incr(key, { ttlMs, by: count });
      const now = this.unrecorded.get(key) ?? 0;
      if (now > count) this.unrecorded.set(key, now - count);
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
      'login throttle unavailable (coordination down); sign-in goes on without it',
    );
  }
}
