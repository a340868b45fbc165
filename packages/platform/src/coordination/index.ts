import { addSpent } from '../logging/request-context';
import type { Coordination } from './coordination';
import { MemoryCoordination } from './memory-coordination';
import { RedisCoordination } from './redis-coordination';

export * from './coordination';
export * from './waiting-line';
export { MemoryCoordination } from './memory-coordination';
export { RedisCoordination, redisOptions } from './redis-coordination';

export async function createCoordination(options: {
  redisUrl?: string;
  keyPrefix?: string;
}): Promise<Coordination> {
  if (options.redisUrl)
    return timedCoordination(
      await RedisCoordination.connect(options.redisUrl, { keyPrefix: options.keyPrefix }),
    );
  return new MemoryCoordination();
}

/** Counts each call's time, from asking to the answer, to the request that made it (see addSpent). */
export function timedCoordination(coordination: Coordination): Coordination {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(coordination, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== 'function') return value;
      let timed = wrapped.get(property);
      if (!timed) {
        const method = value as (...args: unknown[]) => unknown;
        timed = (...args: unknown[]) => {
          const started = performance.now();
          const result = method.apply(target, args);
          if (!(result instanceof Promise)) return result;
          return result.finally(() => addSpent('coordination', performance.now() - started));
        };
        wrapped.set(property, timed);
      }
      return timed;
    },
  });
}
