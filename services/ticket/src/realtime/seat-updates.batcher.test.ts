import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SeatUpdateBatcher, type SeatsUpdateMessage } from './seat-updates.batcher';

describe('SeatUpdateBatcher', () => {
  let sent: Array<{ at: number; message: SeatsUpdateMessage }>;
  let batcher: SeatUpdateBatcher;
  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
    batcher = new SeatUpdateBatcher(
      () => ({
        toEvent: (_eventId, _name, payload) =>
          sent.push({ at: Date.now(), message: payload as SeatsUpdateMessage }),
        toUser: () => undefined,
        toUsers: () => undefined,
      }),
      100,
      () => Date.now(),
    );
  });
  afterEach(() => vi.useRealTimers());

  it('sends the first change after a quiet window at once, then at most one message per window', async () => {
    const t0 = Date.now();
    batcher.add('evt_a', 1, [{ seatId: 's1', status: 'held' }]);
    batcher.add('evt_a', 2, [{ seatId: 's2', status: 'held' }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.message).toEqual({
      eventId: 'evt_a',
      version: 2,
      fromVersion: 1,
      changes: [
        { seatId: 's1', status: 'held' },
        { seatId: 's2', status: 'held' },
      ],
    });

    await vi.advanceTimersByTimeAsync(30);
    batcher.add('evt_a', 3, [{ seatId: 's1', status: 'available' }]);
    batcher.add('evt_a', 4, [{ seatId: 's1', status: 'held' }]);
    await vi.advanceTimersByTimeAsync(60);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10);
    expect(sent).toHaveLength(2);
    expect(sent[1]!.at - t0).toBe(100);
    // The last status of a seat wins within a window; the versions span the whole window.
    expect(sent[1]!.message).toMatchObject({
      version: 4,
      fromVersion: 3,
      changes: [{ seatId: 's1', status: 'held' }],
    });

    await vi.advanceTimersByTimeAsync(500);
    batcher.add('evt_a', 5, [{ seatId: 's3', status: 'sold' }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toHaveLength(3);
  });

  it('keeps events apart and sends nothing when nothing changed', async () => {
    batcher.add('evt_a', 1, [{ seatId: 's1', status: 'held' }]);
    batcher.add('evt_b', 7, [{ seatId: 's9', status: 'held' }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent.map((s) => [s.message.eventId, s.message.version])).toEqual([
      ['evt_a', 1],
      ['evt_b', 7],
    ]);
    batcher.flush();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sent).toHaveLength(2);
  });
});
