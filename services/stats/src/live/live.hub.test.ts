import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import pino from 'pino';
import { LiveHub } from './live.hub';

const log = pino({ level: 'silent' });

describe('LiveHub', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('recomputes at most once per interval however many changes arrive, and pushes only new figures', async () => {
    let revenue = 0;
    const compute = vi.fn(async () => ({ revenue }));
    const hub = new LiveHub(compute, 250, log);
    const received: string[] = [];
    await hub.add((json) => received.push(json));
    expect(received).toEqual(['{"revenue":0}']);

    revenue = 10;
    for (let i = 0; i < 50; i++) hub.markDirty();
    await vi.advanceTimersByTimeAsync(0);
    expect(received).toEqual(['{"revenue":0}', '{"revenue":10}']);

    revenue = 20;
    for (let i = 0; i < 50; i++) hub.markDirty();
    await vi.advanceTimersByTimeAsync(100);
    expect(received).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(200);
    expect(received).toEqual(['{"revenue":0}', '{"revenue":10}', '{"revenue":20}']);
    // One snapshot on connect, one per interval: not one per change.
    expect(compute).toHaveBeenCalledTimes(3);

    hub.markDirty();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(received).toHaveLength(3);
    hub.close();
  });

  it('does no work while nobody listens, and stops pushing to a removed subscriber', async () => {
    const compute = vi.fn(async () => ({ at: compute.mock.calls.length }));
    const hub = new LiveHub(compute, 0, log);
    hub.markDirty();
    await vi.advanceTimersByTimeAsync(10);
    expect(compute).not.toHaveBeenCalled();

    const received: string[] = [];
    const remove = await hub.add((json) => received.push(json));
    remove();
    hub.markDirty();
    await vi.advanceTimersByTimeAsync(10);
    expect(received).toHaveLength(1);
    hub.close();
  });
});
