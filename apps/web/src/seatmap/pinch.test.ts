import { describe, expect, it } from 'vitest';
import { pinchState, pinchStep } from './pinch';

describe('pinchStep', () => {
  it('zooms by how far two fingers spread, about their midpoint', () => {
    const before = pinchState({ x: 100, y: 100 }, { x: 200, y: 100 });
    const after = pinchState({ x: 50, y: 100 }, { x: 250, y: 100 });
    expect(pinchStep(before, after)).toEqual({ factor: 2, pan: { x: 0, y: 0 }, at: { x: 150, y: 100 } });
  });

  it('pans by how far the midpoint moves, and does not zoom when the fingers keep their distance', () => {
    const before = pinchState({ x: 100, y: 100 }, { x: 200, y: 100 });
    const after = pinchState({ x: 130, y: 140 }, { x: 230, y: 140 });
    expect(pinchStep(before, after)).toEqual({ factor: 1, pan: { x: 30, y: 40 }, at: { x: 180, y: 140 } });
  });

  it('ignores fingers on the same spot', () => {
    const same = pinchState({ x: 10, y: 10 }, { x: 10, y: 10 });
    expect(pinchStep(same, pinchState({ x: 0, y: 0 }, { x: 20, y: 0 })).factor).toBe(1);
  });
});
