/**
 * At most `max` requests of one kind under way at once; the others wait their turn in arrival
 * order. Waiting costs a promise, no CPU, so the services behind spend their cores on what is
 * already in flight, and requests of other kinds (a confirm among a crowd of holds) are not stuck
 * behind the crowd in the services' event loops.
 */
export class InFlightLimit {
  private active = 0;
  private readonly line: Waiter[] = [];

  constructor(readonly max: number) {}

  /** Requests waiting for a slot. */
  get waiting(): number {
    return this.line.length;
  }

  /**
   * A place: `admitted` resolves true once the slot is this caller's, or false when it left the
   * line first. `leave()` (any number of times) gives back the slot, or the place in line.
   */
  enter(): { admitted: Promise<boolean>; leave(): void } {
    if (this.active < this.max) {
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

  /** The slot passes to the first in line, or becomes free. */
  private release(): void {
    const next = this.line.shift();
    if (!next) {
      this.active -= 1;
      return;
    }
    next.state = 'admitted';
    next.admit();
  }
}

interface Waiter {
  state: 'waiting' | 'admitted' | 'left';
  admit(): void;
}
