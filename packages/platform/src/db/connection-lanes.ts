import type pg from 'pg';
import { addSpent, inPriorityLane } from '../logging/request-context';

/**
 * The pool's connections, handed out in two lanes: a request that asked for the priority lane
 * (`preferPriorityLane`) gets the next free connection before every ordinary request waiting.
 * pg's own pool queues in arrival order, so under a flash sale a checkout's confirmation waited
 * behind every hold that arrived before it. The pool is as large as the permits, so pg never
 * queues itself.
 */
export class ConnectionLanes {
  private free: number;
  private readonly priority: Array<() => void> = [];
  private readonly ordinary: Array<() => void> = [];

  constructor(readonly max: number) {
    this.free = max;
  }

  get waiting(): number {
    return this.priority.length + this.ordinary.length;
  }

  acquire(priority: boolean): Promise<void> {
    if (this.free > 0) {
      this.free -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => (priority ? this.priority : this.ordinary).push(resolve));
  }

  release(): void {
    const next = this.priority.shift() ?? this.ordinary.shift();
    if (next) next();
    else this.free += 1;
  }
}

const timed = new WeakSet<pg.PoolClient>();

/** Counts each statement's time, from sending it to its answer, to the request that ran it. */
function timeStatements(client: pg.PoolClient): void {
  if (timed.has(client)) return;
  timed.add(client);
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const started = performance.now();
    const result = query(...args);
    if (!(result instanceof Promise)) return result;
    return result.finally(() => addSpent('db', performance.now() - started));
  };
}

export function lanedPool(pool: pg.Pool, lanes: ConnectionLanes) {
  return {
    async connect(): Promise<pg.PoolClient> {
      const asked = performance.now();
      await lanes.acquire(inPriorityLane());
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        lanes.release();
        throw err;
      }
      addSpent('db_wait', performance.now() - asked);
      timeStatements(client);
      // pg sets `release` afresh at every checkout, so this wraps this checkout's only.
      const release = client.release.bind(client);
      let released = false;
      client.release = (err?: Error | boolean) => {
        if (!released) {
          released = true;
          lanes.release();
        }
        return release(err);
      };
      return client;
    },
    end: () => pool.end(),
  };
}
