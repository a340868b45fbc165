import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';
import { randomBytes } from 'node:crypto';

/** Behaviour switches every fake provider understands (tests flip them between calls). */
export interface FakeKnobs {
  /** Delay before each answer, after the provider's state has changed. */
  latencyMs: number;
  /** Take the money on the next approve/confirm, then drop the connection without answering. */
  dropAfterCharge: boolean;
  /** A slow provider: every approve/confirm waits, before it takes the money, until `releaseHeld()`. */
  holdBeforeCharge: boolean;
  /** Every approve/confirm takes the money, then holds its answer until `releaseHeld()` (a crash window). */
  holdAfterCharge: boolean;
  /** Answer the next call of this operation with this error instead of doing it (`every`: every call, until cleared). */
  forceError: { operation: string; code: string; status?: number; message?: string; every?: boolean } | null;
  /** Apply the next cancel, then drop the connection without answering. */
  dropAfterCancel: boolean;
  /** Charge (and report) this amount instead of the requested one on the next approve (a tampered checkout). */
  chargeAmountOverride: number | null;
  /** Where to POST webhooks after a state change, and how many copies of each. */
  webhookUrl: string | null;
  webhookCopies: number;
}

export const defaultKnobs = (): FakeKnobs => ({
  latencyMs: 0,
  dropAfterCharge: false,
  holdBeforeCharge: false,
  holdAfterCharge: false,
  dropAfterCancel: false,
  forceError: null,
  chargeAmountOverride: null,
  webhookUrl: null,
  webhookCopies: 1,
});

export const token = (bytes = 10) => randomBytes(bytes).toString('hex');

export interface FakeServer {
  url: string;
  app: FastifyInstance;
  knobs: FakeKnobs;
  /** How many times money was taken (approvals that succeeded), for exactly-once assertions. */
  charges(): number;
  /** How many approve/confirm requests arrived (a second concurrent confirm shows here). */
  confirmRequests(): number;
  /** How many look-ups (payment/order inquiries, history) arrived. */
  lookups(): number;
  close(): Promise<void>;
}

export abstract class FakeProvider implements FakeServer {
  url = '';
  readonly app: FastifyInstance;
  knobs: FakeKnobs = defaultKnobs();
  /** The most cancels answered at once (a refund run's concurrency, seen from the provider). */
  mostCancelsAtOnce = 0;
  private cancelsAnswering = 0;
  /** The most look-ups answered at once (the reconciler's concurrency, seen from the provider). */
  mostLookupsAtOnce = 0;
  private lookupsAnswering = 0;
  private chargeCount = 0;
  private confirmCount = 0;
  private lookupCount = 0;
  private readonly chargeWaiters: Array<{ count: number; resolve: () => void }> = [];
  readonly webhooksSent: unknown[] = [];

  constructor() {
    this.app = Fastify({ logger: false, forceCloseConnections: true });
  }

  charges(): number {
    return this.chargeCount;
  }

  confirmRequests(): number {
    return this.confirmCount;
  }

  lookups(): number {
    return this.lookupCount;
  }

  /** A look-up arrived: counted, and under way until `lookupAnswered()`. */
  protected lookupArrived(): void {
    this.lookupCount++;
    this.mostLookupsAtOnce = Math.max(this.mostLookupsAtOnce, ++this.lookupsAnswering);
  }

  /** Waits out the latency knob, then the look-up is answered. */
  protected async lookupAnswered(): Promise<void> {
    try {
      await this.delay();
    } finally {
      this.lookupsAnswering--;
    }
  }

  /** Resolves the moment the fake has taken money `count` times in all (before it answers). */
  chargesReach(count: number): Promise<void> {
    if (this.chargeCount >= count) return Promise.resolve();
    return new Promise((resolve) => this.chargeWaiters.push({ count, resolve }));
  }

  /** An approve/confirm arrived: count it, and wait here while the provider is "slow". */
  protected async confirmArrived(): Promise<void> {
    this.confirmCount++;
    if (this.knobs.holdBeforeCharge) await this.hold();
  }

  /** Money was taken: count it and wake whoever waits for it. */
  protected recordCharge(): void {
    this.chargeCount++;
    for (const waiter of [...this.chargeWaiters]) {
      if (this.chargeCount >= waiter.count) {
        this.chargeWaiters.splice(this.chargeWaiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }

  protected abstract register(app: FastifyInstance): void;

  async start(): Promise<this> {
    await this.app.register(formbody);
    this.register(this.app);
    await this.app.listen({ port: 0, host: '127.0.0.1' });
    const address = this.app.server.address();
    if (!address || typeof address !== 'object') throw new Error('fake provider did not bind');
    this.url = `http://127.0.0.1:${address.port}`;
    return this;
  }

  private readonly waiting = new Set<() => void>();

  /** Sends every answer held back by the latency knob now. */
  releaseHeld(): void {
    for (const release of this.waiting) release();
  }

  /** Ends every held answer at once (a latency knob must not keep a test waiting). */
  async close(): Promise<void> {
    this.releaseHeld();
    await this.app.close();
  }

  /** Takes the forced error for `operation`, if one is armed (one-shot). */
  protected takeForced(operation: string): FakeKnobs['forceError'] {
    const forced = this.knobs.forceError;
    if (forced && forced.operation === operation) {
      if (!forced.every) this.knobs.forceError = null;
      return forced;
    }
    return null;
  }

  /** After a charge: maybe drop the connection (the caller never learns the outcome), maybe wait. */
  protected async afterCharge(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    if (this.knobs.dropAfterCharge) {
      this.knobs.dropAfterCharge = false;
      reply.hijack();
      request.raw.socket.destroy();
      return true;
    }
    if (this.knobs.holdAfterCharge) await this.hold();
    await this.delay();
    return false;
  }

  /** After a cancel: maybe drop the connection, maybe wait. */
  protected async afterCancel(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    if (this.knobs.dropAfterCancel) {
      this.knobs.dropAfterCancel = false;
      reply.hijack();
      request.raw.socket.destroy();
      return true;
    }
    this.mostCancelsAtOnce = Math.max(this.mostCancelsAtOnce, ++this.cancelsAnswering);
    try {
      await this.delay();
    } finally {
      this.cancelsAnswering--;
    }
    return false;
  }

  protected async delay(): Promise<void> {
    if (this.knobs.latencyMs <= 0) return;
    await this.hold(this.knobs.latencyMs);
  }

  /** Waits until `releaseHeld()` (or `ms`, when given). */
  private hold(ms?: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const release = () => {
        if (timer) clearTimeout(timer);
        this.waiting.delete(release);
        resolve();
      };
      const timer = ms === undefined ? null : setTimeout(release, ms);
      this.waiting.add(release);
    });
  }

  protected sendWebhooks(body: unknown, headers: Record<string, string> = {}): void {
    const url = this.knobs.webhookUrl;
    if (!url) return;
    for (let i = 0; i < this.knobs.webhookCopies; i++) {
      this.webhooksSent.push(body);
      void fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      }).catch(() => undefined);
    }
  }
}
