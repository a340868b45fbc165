/**
 * At most `max` requests of one kind under way at once while the limit is on; the others wait
 * their turn in arrival order. Waiting costs a promise, no CPU, so the services behind spend their
 * cores on what is already in flight, and requests of other kinds (a confirm among a crowd of
 * holds) are not stuck behind the crowd in the services' event loops. Switched off, it lets
 * everything through and only counts.
 */
export class InFlightLimit {
  private active = 0;
  private on: boolean;
  private readonly line: Waiter[] = [];

  constructor(
    readonly max: number,
    options: { on?: boolean } = {},
  ) {
    this.on = options.on ?? true;
  }

  /** Requests waiting for a slot. */
  get waiting(): number {
    return this.line.length;
  }

  /** Requests let through and not yet finished. */
  get inFlight(): number {
    return this.active;
  }

  get limiting(): boolean {
    return this.on;
  }

  /**
   * Switched off, every waiting request goes through at once, in arrival order. Switched on again,
   * requests already through stay through: newcomers wait until fewer than `max` are under way.
   */
  switch(on: boolean): void {
    this.on = on;
    if (on) return;
    for (let next = this.line.shift(); next; next = this.line.shift()) this.admit(next);
  }

  /**
   * A place: `admitted` resolves true once the slot is this caller's, or false when it left the
   * line first. `leave()` (any number of times) gives back the slot, or the place in line.
   */
  enter(): { admitted: Promise<boolean>; leave(): void } {
    if (!this.on || this.active < this.max) {
      this.active += 1;
      let left = false;
      return {
        admitted: Promise.resolve(true),
        leave: () => {
          if (left) return;
          left = true;
          this.release();
        },
      };
    }
    let settle!: (admitted: boolean) => void;
    const admitted = new Promise<boolean>((resolve) => (settle = resolve));
    const waiter: Waiter = { state: 'waiting', admit: () => settle(true) };
    this.line.push(waiter);
    return {
      admitted,
      leave: () => {
        if (waiter.state === 'waiting') {
          waiter.state = 'left';
          this.line.splice(this.line.indexOf(waiter), 1);
          settle(false);
        } else if (waiter.state === 'admitted') {
          waiter.state = 'left';
          this.release();
        }
      },
    };
  }

  /** A slot comes back: the first in line takes it if the limit allows one more. */
  private release(): void {
    this.active -= 1;
    if (this.active >= this.max) return;
    const next = this.line.shift();
    if (next) this.admit(next);
  }

  private admit(waiter: Waiter): void {
    this.active += 1;
    waiter.state = 'admitted';
    waiter.admit();
  }
}

interface Waiter {
  state: 'waiting' | 'admitted' | 'left';
  admit(): void;
}

/**
 * Turns `limit` on while a payment is under way through this gateway, and off once none has been
 * for `lingerMs`. A sale's confirms then go ahead of its holds while seats are selling, and the
 * crowd turned away after the sell-out (when nobody is paying any more) is not held back. The
 * linger keeps the limit from flapping in the gaps between one buyer's payment and the next.
 */
export class WhilePaying {
  private paying = 0;
  private lift: NodeJS.Timeout | null = null;

  constructor(
    private readonly limit: InFlightLimit,
    private readonly lingerMs: number,
  ) {}

  /** A payment request began; the returned function (idempotent) says it finished. */
  begin(): () => void {
    this.paying += 1;
    if (this.lift) {
      clearTimeout(this.lift);
      this.lift = null;
    }
    if (!this.limit.limiting) this.limit.switch(true);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.paying -= 1;
      if (this.paying > 0) return;
      this.lift = setTimeout(() => {
        this.lift = null;
        if (this.paying === 0) this.limit.switch(false);
      }, this.lingerMs);
      this.lift.unref();
    };
  }

  stop(): void {
    if (this.lift) clearTimeout(this.lift);
    this.lift = null;
  }
}
