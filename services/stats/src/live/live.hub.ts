import type { Logger } from 'pino';

export type LiveSend = (json: string) => void;

/**
 * Fans the dashboard out to live subscribers. Changes only mark it dirty; it is recomputed at
 * most once per `minIntervalMs` and sent only when the figures differ from the last push.
 */
export class LiveHub {
  private readonly clients = new Set<LiveSend>();
  private last: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastPush = 0;
  private running: Promise<void> | null = null;
  private dirtyAgain = false;
  private closed = false;

  constructor(
    private readonly compute: () => Promise<object>,
    private readonly minIntervalMs: number,
    private readonly log: Logger,
  ) {}

  get size(): number {
    return this.clients.size;
  }

  /** Adds a subscriber and sends it the current figures at once (everyone else too, if they changed). */
  async add(send: LiveSend): Promise<() => void> {
    this.clients.add(send);
    try {
      const json = await this.snapshot();
      if (json !== this.last) {
        this.last = json;
        this.broadcast(json);
      } else {
        send(json);
      }
    } catch (err) {
      this.log.warn({ err }, 'live dashboard snapshot failed');
    }
    return () => {
      this.clients.delete(send);
    };
  }

  markDirty(): void {
    if (this.closed || this.clients.size === 0 || this.timer) return;
    if (this.running) {
      this.dirtyAgain = true;
      return;
    }
    const delay = Math.max(0, this.lastPush + this.minIntervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.flush().finally(() => {
        this.running = null;
        if (this.dirtyAgain) {
          this.dirtyAgain = false;
          this.markDirty();
        }
      });
    }, delay);
    this.timer.unref();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.clients.clear();
  }

  private async snapshot(): Promise<string> {
    return JSON.stringify(await this.compute());
  }

  private async flush(): Promise<void> {
    this.lastPush = Date.now();
    let json: string;
    try {
      json = await this.snapshot();
    } catch (err) {
      this.log.warn({ err }, 'live dashboard refresh failed');
      return;
    }
    if (json === this.last) return;
    this.last = json;
    this.broadcast(json);
  }

  private broadcast(json: string): void {
    for (const send of this.clients) {
      try {
        send(json);
      } catch (err) {
        this.log.debug({ err }, 'live subscriber gone');
      }
    }
  }
}
