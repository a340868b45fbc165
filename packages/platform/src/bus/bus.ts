export interface EventEnvelope<T = unknown> {
  /** `evn_...`, unique per fact; consumers de-duplicate on it. */
  id: string;
  type: string;
  source: string;
  occurredAt: string;
  data: T;
}

export type EventHandler = (event: EventEnvelope) => Promise<void>;
/** Receives the events that arrived together, in stream order; it fails or succeeds as a whole. */
export type EventBatchHandler = (events: EventEnvelope[]) => Promise<void>;

export interface SubscribeOptions {
  /** Consumer group: each group receives every event once (at least once, with retries). */
  group: string;
  /** Event types this group wants; others are acknowledged and skipped. '*' for all. */
  types: string[] | '*';
  /**
   * A group subscribing for the first time also receives the events published before it, as a new
   * Redis Streams group (created at the start of the stream) always does. The in-process bus keeps a
   * bounded backlog for this; without the flag it delivers only what is published after subscribing.
   */
  fromStart?: boolean;
  /**
   * After a read that found fewer events than a full batch, wait this long before reading again:
   * a busy stream is then read in larger batches (fewer wake-ups, acknowledgements and
   * transactions for every group, since each group reads every event) for at most this much added
   * delay. Redis Streams default to 50 ms; the in-process bus delivers on publish and ignores it.
   */
  lingerMs?: number;
}

/** Carries facts between services. Redis Streams in production; in-process when embedded. */
export interface EventBus {
  readonly kind: 'redis' | 'memory';
  publish(event: EventEnvelope): Promise<void>;
  /**
   * Publishes events in the order given, in one round trip where the bus can. Resolves with how
   * many of the first events it took: it stops counting at the first one refused, and `error` says
   * why. With Redis the events after a refused one may still have gone out; they are sent again
   * with it later, which consumers de-duplicate as any re-delivery.
   */
  publishMany(events: EventEnvelope[]): Promise<{ published: number; error?: unknown }>;
  subscribe(options: SubscribeOptions, handler: EventHandler): Promise<() => Promise<void>>;
  /**
   * As `subscribe`, but the events read together (up to a hundred) are handed over in one call, so
   * a consumer can apply them in one transaction. A batch that fails is retried one event at a
   * time, so one bad event holds back only itself. The in-process bus delivers batches of one.
   */
  subscribeBatch(options: SubscribeOptions, handler: EventBatchHandler): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export function wants(types: string[] | '*', type: string): boolean {
  return types === '*' || types.includes(type);
}
