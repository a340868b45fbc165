export interface Point {
  x: number;
  y: number;
}

/** Two fingers' distance and midpoint: what a pinch compares from one move to the next. */
export interface PinchState {
  distance: number;
  mid: Point;
}

export function pinchState(a: Point, b: Point): PinchState {
  return { distance: Math.hypot(a.x - b.x, a.y - b.y), mid: { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 } };
}

/**
 * One step of a two-finger gesture: zoom by how much the fingers spread (about their midpoint),
 * and pan by how far the midpoint moved, as maps on phones do.
 */
export function pinchStep(before: PinchState, after: PinchState): { factor: number; pan: Point; at: Point } {
  const factor = before.distance > 0 && after.distance > 0 ? after.distance / before.distance : 1;
  return { factor, pan: { x: after.mid.x - before.mid.x, y: after.mid.y - before.mid.y }, at: after.mid };
}
