import type { Logger } from 'pino';
import {
  wants,
  type EventBatchHandler,
  type EventBus,
  type EventEnvelope,
  type EventHandler,
  type SubscribeOptions,
} from './bus';

interface Subscription {
  options: SubscribeOptions;
  handler: EventHandler;
}

/**
 * In-process bus. `publish` resolves once every interested group has handled the event and
 * rejects when any handler failed, so the outbox relay leaves the event unpublished and sends it
 * again later; groups that already succeeded see it twice and de-duplicate, as with Redis Streams.
 */
export class MemoryBus implements EventBus {
  readonly kind = 'memory' as const;
  private readonly subscriptions = new Set<Subscription>();
  private closed = false;
  /** Recent events, for groups that subscribe later with `fromStart` (services start one by one). */
  private backlog: EventEnvelope[] = [];
  private readonly replayedGroups = new Set<string>();

  constructor(
    private readonly log?: Logger,
    private readonly backlogSize = 10_000,
  ) {}

  async publish(event: EventEnvelope): Promise<void> {
    if (this.closed) throw new Error('bus closed');
    this.backlog.push(event);
    if (this.backlog.length > this.backlogSize * 1.1) this.backlog = this.backlog.slice(-this.backlogSize);
    const interested = [...this.subscriptions].filter((s) => wants(s.options.types, event.type));
    const results = await Promise.allSettled(interested.map((s) => s.handler(event)));
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failures.length > 0) {
      for (const f of failures)
        this.log?.error(
          { err: f.reason, eventId: event.id, type: event.type },
          'event handler failed; will retry',
        );
      throw new AggregateError(
        failures.map((f) => f.reason),
        `event ${event.id} failed in ${failures.length} handler(s)`,
      );
    }
  }

  async publishMany(events: EventEnvelope[]): Promise<{ published: number; error?: unknown }> {
    let published = 0;
    for (const event of events) {
      try {
        await this.publish(event);
      } catch (error) {
        return { published, error };
      }
      published += 1;
    }
    return { published };
  }

  async subscribe(options: SubscribeOptions, handler: EventHandler): Promise<() => Promise<void>> {
    const subscription = { options, handler };
    const past =
      options.fromStart && !this.replayedGroups.has(options.group)
        ? this.backlog.filter((e) => wants(options.types, e.type))
        : [];
    if (options.fromStart) this.replayedGroups.add(options.group);
    this.subscriptions.add(subscription);
    // Catch up before returning; consumers are idempotent, so an event also published meanwhile is harmless.
    for (const event of past) {
      try {
        await handler(event);
      } catch (err) {
        this.log?.error(
          { err, eventId: event.id, type: event.type, group: options.group },
          'replayed event failed',
        );
      }
    }
    return async () => {
      this.subscriptions.delete(subscription);
    };
  }

  /** `publish` hands each event to its handlers as it comes: batches of one. */
  subscribeBatch(options: SubscribeOptions, handler: EventBatchHandler): Promise<() => Promise<void>> {
    return this.subscribe(options, (event) => handler([event]));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.subscriptions.clear();
  }
}
