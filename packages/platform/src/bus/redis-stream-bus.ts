import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  wants,
  type EventBatchHandler,
  type EventBus,
  type EventEnvelope,
  type EventHandler,
  type SubscribeOptions,
} from './bus';
import { redisOptions } from '../coordination/redis-coordination';

export interface RedisStreamBusOptions {
  stream?: string;
  /** Approximate cap on the stream length (XADD MAXLEN ~). */
  maxLength?: number;
  /** A pending message idle this long is claimed again by a live consumer. */
  claimIdleMs?: number;
  blockMs?: number;
  /** A subscription's `lingerMs` unless it says otherwise. */
  lingerMs?: number;
  log?: Logger;
}

const READ_COUNT = 100;
const DEFAULT_LINGER_MS = 50;

type StreamEntries = Array<[id: string, fields: string[]]>;

/**
 * Redis Streams with one consumer group per consuming service. A message is acknowledged only after
 * its handler succeeded; messages left pending by a crashed or failing consumer are re-claimed with
 * XAUTOCLAIM, so every event reaches each group at least once.
 */
export class RedisStreamBus implements EventBus {
  readonly kind = 'redis' as const;
  private readonly stream: string;
  private readonly readers = new Set<Redis>();
  private stopped = false;

  private constructor(
    private readonly client: Redis,
    private readonly url: string,
    private readonly options: RedisStreamBusOptions,
  ) {
    this.stream = options.stream ?? 'tiketi:events';
    client.on('error', () => undefined);
  }

  static async connect(url: string, options: RedisStreamBusOptions = {}): Promise<RedisStreamBus> {
    const client = new Redis(url, redisOptions());
    await client.connect();
    return new RedisStreamBus(client, url, options);
  }

  private xaddArgs(
    event: EventEnvelope,
  ): [string, 'MAXLEN', '~', string, '*', string, string, string, string] {
    const cap = String(this.options.maxLength ?? 1_000_000);
    return [this.stream, 'MAXLEN', '~', cap, '*', 'type', event.type, 'event', JSON.stringify(event)];
  }

  async publish(event: EventEnvelope): Promise<void> {
    await this.client.xadd(...this.xaddArgs(event));
  }

  async publishMany(events: EventEnvelope[]): Promise<{ published: number; error?: unknown }> {
    if (events.length === 0) return { published: 0 };
    if (events.length === 1) {
      try {
        await this.publish(events[0]!);
        return { published: 1 };
      } catch (error) {
        return { published: 0, error };
      }
    }
    // A pipeline is one write and one read for the whole batch; Redis appends them in order.
    const pipeline = this.client.pipeline();
    for (const event of events) pipeline.xadd(...this.xaddArgs(event));
    let results: Array<[Error | null, unknown]> | null;
    try {
      results = await pipeline.exec();
    } catch (error) {
      return { published: 0, error };
    }
    let published = 0;
    for (const [error] of results ?? []) {
      if (error) return { published, error };
      published += 1;
    }
    return published === events.length
      ? { published }
      : { published, error: new Error('pipeline answered short') };
  }

  subscribe(options: SubscribeOptions, handler: EventHandler): Promise<() => Promise<void>> {
    return this.consume(options, { one: handler });
  }

  subscribeBatch(options: SubscribeOptions, handler: EventBatchHandler): Promise<() => Promise<void>> {
    return this.consume(options, { one: (event) => handler([event]), batch: handler });
  }

  private async consume(
    options: SubscribeOptions,
    deliver: { one: EventHandler; batch?: EventBatchHandler },
  ): Promise<() => Promise<void>> {
    const createGroup = async () => {
      try {
        await this.client.xgroup('CREATE', this.stream, options.group, '0', 'MKSTREAM');
      } catch (err) {
        if (!String(err).includes('BUSYGROUP')) throw err;
      }
    };
    await createGroup();
    // Blocking reads hold their connection, so each subscription gets one.
    const reader = new Redis(this.url, redisOptions({ enableOfflineQueue: true, commandTimeout: undefined }));
    reader.on('error', () => undefined);
    await reader.connect();
    this.readers.add(reader);
    const consumer = `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const claimIdle = this.options.claimIdleMs ?? 30_000;
    let active = true;

    // A handler still at work keeps its entries fresh: re-claimed to this consumer every third of
    // claimIdle, they never look idle long enough for another replica to take them over and run
    // them again alongside (an event's cancellation refunding a whole sale takes minutes). If this
    // process dies, the renewals stop and the entries are claimed as before.
    const keepClaimed = (ids: string[]): (() => void) => {
      if (ids.length === 0) return () => undefined;
      const timer = setInterval(
        () => {
          this.client
            .xclaim(this.stream, options.group, consumer, 0, ...ids, 'JUSTID')
            .catch((err: unknown) => {
              this.options.log?.warn({ err: String(err), group: options.group }, 'renewing a claim failed');
            });
        },
        Math.max(10, Math.floor(claimIdle / 3)),
      );
      timer.unref();
      return () => clearInterval(timer);
    };

    type Wanted = { id: string; event: EventEnvelope; type: string };
    const one = async (w: Wanted, acks: string[]) => {
      if (!active) return;
      try {
        await deliver.one(w.event);
        acks.push(w.id);
      } catch (err) {
        this.options.log?.error(
          { err, streamId: w.id, type: w.type, group: options.group },
          'event handler failed; will retry',
        );
      }
    };
    const handleWanted = async (wanted: Wanted[], acks: string[]): Promise<void> => {
      if (deliver.batch && wanted.length > 1) {
        try {
          await deliver.batch(wanted.map((w) => w.event));
          acks.push(...wanted.map((w) => w.id));
        } catch (err) {
          this.options.log?.warn(
            { err, group: options.group, events: wanted.length },
            'event batch failed; retrying one at a time',
          );
          for (const w of wanted) await one(w, acks);
        }
      } else {
        for (const w of wanted) await one(w, acks);
      }
    };

    const handle = async (entries: StreamEntries): Promise<void> => {
      // Entries this group does not want, and those handled, are acknowledged together at the
      // end: one XACK per read instead of one per entry. A crash before it re-delivers them, which
      // consumers de-duplicate anyway.
      const acks: string[] = [];
      const wanted: Wanted[] = [];
      for (const [id, fields] of entries) {
        const type = fields[fields.indexOf('type') + 1] ?? '';
        const raw = fields[fields.indexOf('event') + 1];
        if (!raw || !wants(options.types, type)) {
          acks.push(id);
          continue;
        }
        try {
          wanted.push({ id, type, event: JSON.parse(raw) as EventEnvelope });
        } catch (err) {
          this.options.log?.error(
            { err, streamId: id, type, group: options.group },
            'unreadable event left pending',
          );
        }
      }
      const release = keepClaimed(wanted.map((w) => w.id));
      try {
        await handleWanted(wanted, acks);
      } finally {
        release();
      }
      if (acks.length > 0)
        await this.client.xack(this.stream, options.group, ...acks).catch((err: unknown) => {
          this.options.log?.warn(
            { err: String(err), group: options.group },
            'acknowledgement failed; events will be re-delivered',
          );
        });
    };

    const loop = async (): Promise<void> => {
      let lastClaim = 0;
      const lingerMs = options.lingerMs ?? this.options.lingerMs ?? DEFAULT_LINGER_MS;
      while (active && !this.stopped) {
        try {
          if (Date.now() - lastClaim > Math.min(claimIdle, 5_000)) {
            lastClaim = Date.now();
            const claimed = (await reader.xautoclaim(
              this.stream,
              options.group,
              consumer,
              claimIdle,
              '0-0',
              'COUNT',
              100,
            )) as [string, StreamEntries];
            if (claimed[1]?.length) await handle(claimed[1].filter((e) => e && e[1]));
          }
          const result = (await reader.xreadgroup(
            'GROUP',
            options.group,
            consumer,
            'COUNT',
            READ_COUNT,
            'BLOCK',
            this.options.blockMs ?? 1_000,
            'STREAMS',
            this.stream,
            '>',
          )) as Array<[string, StreamEntries]> | null;
          let read = 0;
          if (result)
            for (const [, entries] of result) {
              read += entries.length;
              await handle(entries);
            }
          if (read > 0 && read < READ_COUNT && lingerMs > 0)
            await new Promise((r) => setTimeout(r, lingerMs));
        } catch (err) {
          if (!active || this.stopped) return;
          this.options.log?.warn({ err: String(err) }, 'event bus read failed; retrying');
          // Redis restarted without its data: the stream and the group are gone; read the new stream from its start.
          if (String(err).includes('NOGROUP')) await createGroup().catch(() => undefined);
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    };
    const running = loop();

    return async () => {
      active = false;
      reader.disconnect();
      this.readers.delete(reader);
      await running;
    };
  }

  async close(): Promise<void> {
    this.stopped = true;
    for (const r of this.readers) r.disconnect();
    this.client.disconnect();
  }
}
