import type { Coordination, WindowTally } from '@tiketi/platform';

export interface WindowCount {
  /** Hits in the key's current window, as far as this replica knows (its own always included). */
  count: number;
  /** Time left in that window. */
  ttlMs: number;
}

interface Entry {
  windowMs: number;
  windowEndsAt: number;
  /** The shared count at the last answer from coordination, plus this replica's hits since. */
  count: number;
  /** This replica's hits not yet sent to coordination. */
  unsent: number;
}

/** Clock differences between replicas and round trips: a window's end known within this is the same window. */
const WINDOW_SLACK_MS = 1_000;
/** Keys sent per round trip when the counts are shared. */
const SYNC_CHUNK = 1_000;

export interface WindowLimiterOptions {
  /** How often hits counted here go to the shared counters (one round trip for all keys). */
  syncMs?: number;
  /** Counters kept at most; past it, counters whose window ended are dropped. */
  maxKeys?: number;
  now?: () => number;
  onSyncError?: (err: unknown) => void;
}

/**
 * Fixed-window counters shared by every gateway replica through coordination, without a round
 * trip per request. A key well under its limit is counted here and sent with every other key's
 * hits every `syncMs`; once this replica sees it past half its limit, each hit asks coordination
 * at once, so the requests that decide a limit are counted exactly. Between syncs another replica
 * may admit what it saw under half the limit, so the shared count can pass the limit only when
 * other replicas admit more than half of it within one sync interval.
 *
 * Asking Redis for every request (twice for a signed-in one) cost the gateway nearly a third of
 * its CPU on a trivial request (ADR 0006). When coordination is away, the counts here
 * still hold each replica to the limit.
 */
export class WindowLimiter {
  private readonly entries = new Map<string, Entry>();
  private readonly unsentKeys = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private readonly syncMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(
    private readonly coordination: Coordination,
    private readonly options: WindowLimiterOptions = {},
  ) {
    this.syncMs = options.syncMs ?? 50;
    this.maxKeys = options.maxKeys ?? 50_000;
    this.now = options.now ?? Date.now;
  }

  /** Counts one hit on `key` (window `windowMs`, limit `max`): at once when well under the limit. */
  hit(key: string, windowMs: number, max: number): WindowCount | Promise<WindowCount> {
    const now = this.now();
    let entry = this.entries.get(key);
    if (!entry || now >= entry.windowEndsAt || entry.windowMs !== windowMs) {
      if (!entry && this.entries.size >= this.maxKeys) this.dropEnded(now);
      entry = { windowMs, windowEndsAt: now + windowMs, count: 0, unsent: 0 };
      this.entries.set(key, entry);
    }
    if (2 * (entry.count + 1) <= max) {
      entry.count++;
      entry.unsent++;
      this.unsentKeys.add(key);
      this.schedule();
      return { count: entry.count, ttlMs: entry.windowEndsAt - now };
    }
    return this.exact(key, entry);
  }

  /** Sends what is unsent now (shutdown, tests); otherwise the timer does. */
  async sync(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch: Array<{ key: string; entry: Entry; hits: number }> = [];
    for (const key of this.unsentKeys) {
      const entry = this.entries.get(key);
      if (!entry || entry.unsent === 0) continue;
      batch.push({ key, entry, hits: entry.unsent });
      entry.unsent = 0;
    }
    this.unsentKeys.clear();
    let failure: unknown = null;
    // Every key of a pass in one round trip per chunk: a sale's crowd touches thousands of keys a
    // second, and a command per key cost the gateway more than the counting it replaced.
    const chunks: Array<typeof batch> = [];
    for (let i = 0; i < batch.length; i += SYNC_CHUNK) chunks.push(batch.slice(i, i + SYNC_CHUNK));
    await Promise.all(
      chunks.map(async (chunk) => {
        try {
          const answers = await this.coordination.hitWindows(
            chunk.map(({ key, entry, hits }) => ({ key, windowMs: entry.windowMs, hits })),
          );
          chunk.forEach(({ entry }, i) => this.learn(entry, answers[i]!));
        } catch (err) {
          // Kept for the next sync: meanwhile the count here still includes them.
          for (const { key, entry, hits } of chunk) {
            entry.unsent += hits;
            this.unsentKeys.add(key);
          }
          this.schedule();
          failure ??= err;
        }
      }),
    );
    // Once per pass, not per key: with Redis away every key fails every 50 ms.
    if (failure !== null) this.options.onSyncError?.(failure);
  }

  close(): Promise<void> {
    return this.sync();
  }

  private async exact(key: string, entry: Entry): Promise<WindowCount> {
    const hits = entry.unsent + 1;
    entry.unsent = 0;
    this.unsentKeys.delete(key);
    entry.count++;
    try {
      const shared = await this.coordination.hitWindow(key, entry.windowMs, hits);
      this.learn(entry, shared);
      return { count: shared.count, ttlMs: shared.ttlMs };
    } catch {
      // Coordination away: this replica's own count decides (still a limit, only not shared).
      entry.unsent += hits;
      this.unsentKeys.add(key);
      this.schedule();
      return { count: entry.count, ttlMs: Math.max(0, entry.windowEndsAt - this.now()) };
    }
  }

  /**
   * Takes coordination's answer for hits sent earlier; hits counted here while it was on its way
   * come on top. Answers may arrive out of order, so within one window the count only grows; a
   * window that ends later than the one known here is a new one (the old expired in coordination).
   */
  private learn(entry: Entry, shared: WindowTally): void {
    const endsAt = this.now() + shared.ttlMs;
    const newWindow = endsAt > entry.windowEndsAt + WINDOW_SLACK_MS;
    entry.count = newWindow
      ? shared.count + entry.unsent
      : Math.max(entry.count, shared.count + entry.unsent);
    entry.windowEndsAt = endsAt;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => void this.sync(), this.syncMs);
    this.timer.unref();
  }

  private dropEnded(now: number): void {
    for (const [key, entry] of this.entries) {
      if (now >= entry.windowEndsAt && entry.unsent === 0) this.entries.delete(key);
    }
    // Still full (every window open): forget the oldest; their hits are in coordination anyway.
    for (const [key, entry] of this.entries) {
      if (this.entries.size < this.maxKeys) break;
      if (entry.unsent === 0) this.entries.delete(key);
    }
  }
}
