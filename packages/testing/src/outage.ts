import type { Coordination } from '@tiketi/platform';

export type OutageCoordination = Coordination & {
  /** From now on every call fails, as with Redis unreachable. */
  fail(): void;
  recover(): void;
  readonly down: boolean;
  /** Calls refused while down. */
  readonly refused: number;
};

/**
 * Wraps a coordination so a test can take it down and bring it back. What was stored stays in
 * `inner` across the outage, as when Redis is cut off by the network rather than restarted, which
 * is the harder case for caches: entries from before the outage are still there afterwards.
 */
export function outageCoordination(inner: Coordination): OutageCoordination {
  const state = { down: false, refused: 0 };
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'fail') return () => void (state.down = true);
      if (prop === 'recover') return () => void (state.down = false);
      if (prop === 'down') return state.down;
      if (prop === 'refused') return state.refused;
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (prop === 'close') return value.bind(target);
      return async (...args: unknown[]) => {
        if (state.down) {
          state.refused += 1;
          throw new Error('coordination unavailable (test outage)');
        }
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  }) as OutageCoordination;
}
