import type { Kysely } from 'kysely';
import { takeHolds, type HoldOutcome, type HoldRequest } from './hold.repository';

export interface HoldGroupOptions {
  /** Group statements under way at once, each on its own connection. */
  maxInFlight: number;
  /** Holds in one statement at most. */
  maxGroup: number;
  /** Told the size of every group sent (a metric). */
  onGroup?: (size: number) => void;
}

interface Waiting {
  hold: HoldRequest;
  resolve(outcome: HoldOutcome): void;
  reject(err: unknown): void;
}

/**
 * Holds go to PostgreSQL in groups formed by the load itself: while `maxInFlight` statements are
 * under way, the holds that arrive wait and leave together in the next one, so a crowd pays one
 * round trip and one commit per group, and a quiet service sends each hold at once, alone.
 */
export class HoldGroups {
  private waiting: Waiting[] = [];
  private inFlight = 0;

  constructor(
    private readonly db: Kysely<any>,
    private readonly options: HoldGroupOptions,
  ) {}

  take(hold: HoldRequest): Promise<HoldOutcome> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ hold, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.inFlight < this.options.maxInFlight && this.waiting.length > 0) {
      const group = this.waiting.splice(0, this.options.maxGroup);
      this.inFlight += 1;
      void this.send(group).finally(() => {
        this.inFlight -= 1;
        this.dispatch();
      });
    }
  }

  private async send(group: Waiting[]): Promise<void> {
    // Every group locks buyers' count rows in buyer order (see hold-function.migrations.ts); the
    // sort is stable, so one buyer's holds keep their arrival order.
    const ordered =
      group.length > 1
        ? [...group].sort((a, b) => compare(a.hold.reservation.userId, b.hold.reservation.userId))
        : group;
    this.options.onGroup?.(ordered.length);
    try {
      const outcomes = await takeHolds(
        this.db,
        ordered.map((w) => w.hold),
      );
      ordered.forEach((w, i) => w.resolve(outcomes[i]!));
    } catch (err) {
      if (ordered.length === 1 || !undoneByOneHold(err)) {
        for (const w of ordered) w.reject(err);
        return;
      }
      // One hold's error undid the whole group: alone, every other hold gets its own outcome. One
      // after another, on the group's own slot: a broken group of 64 must not take 64 connections.
      for (const w of ordered) {
        try {
          const [outcome] = await takeHolds(this.db, [w.hold]);
          w.resolve(outcome!);
        } catch (single) {
          w.reject(single);
        }
      }
    }
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Errors PostgreSQL raised while executing the group, after which it rolled the group back: bad
 * data (22), an integrity violation such as a seat's second active reservation (23), or a deadlock
 * or serialization failure (40). A lost connection is not one: the group may have committed, so
 * its holds are not sent again.
 */
function undoneByOneHold(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^(22|23|40)/.test(code);
}
