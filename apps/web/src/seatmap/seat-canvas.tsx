import { useCallback, useEffect, useRef } from 'react';
import type { Seat } from '../api/types';
import type { SeatMapModel } from './seat-map.model';
import { useI18n } from '../i18n/i18n.context';
import { pinchState, pinchStep, type PinchState, type Point } from './pinch';

const STATUS_FILL = ['', '#adb5bd', '#495057', '#212529'];
const SELECTED = '#111827';
const MIN_SCALE_FACTOR = 0.5;
const MAX_SEAT_PX = 64;

interface View {
  scale: number;
  ox: number;
  oy: number;
}

/**
 * Canvas seat map: one repaint per animation frame, seats batched into one path per colour and
 * culled to the viewport, so 50,000 seats pan and zoom smoothly. Wheel, buttons or a two-finger
 * pinch zoom; a drag (one finger) pans.
 */
export function SeatCanvas(props: {
  model: SeatMapModel;
  version: number;
  selected: ReadonlySet<string>;
  onSeatClick?: (seat: Seat) => void;
  height?: number;
  highlight?: ReadonlySet<string>;
}) {
  const { model, version, selected, onSeatClick, highlight } = props;
  const { t, krw } = useI18n();
  const wrapRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const tipRef = useRef<HTMLDivElement>(null);
  const view = useRef<View>({ scale: 1, ox: 0, oy: 0 });
  const fitScale = useRef(1);
  const frame = useRef(0);
  const drag = useRef<{ x: number; y: number; ox: number; oy: number; moved: boolean } | null>(null);
  // Fingers (or a pen and a mouse) down on the map, and the pinch they make when there are two.
  const pointers = useRef(new Map<number, Point>());
  const pinch = useRef<PinchState | null>(null);

  const draw = useCallback(() => {
    frame.current = 0;
    const canvas = canvasRef.current;
    if (!canvas) return;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth;
    const h = canvas.clientHeight;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    const { scale, ox, oy } = view.current;
    // The zoom against the whole-map view, readable outside the canvas (tests, tools).
    canvas.dataset.zoom = (scale / fitScale.current).toFixed(2);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const size = Math.max(1, model.seatSize * scale);
    const half = size / 2;
    // Stage marker above the nearest rows.
    const b = model.bounds;
    const stageY = (b.minY - model.seatSize * 3) * scale + oy;
    const stageX1 = b.minX * scale + ox;
    const stageX2 = b.maxX * scale + ox;
    ctx.fillStyle = '#e9ecef';
    ctx.fillRect(stageX1, stageY - Math.max(6, size), Math.max(20, stageX2 - stageX1), Math.max(6, size));
    ctx.fillStyle = '#495057';
    ctx.font = `${Math.max(10, Math.min(16, size))}px system-ui, sans-serif`;
    ctx.textAlign = 'center';
    ctx.fillText(t('seat.stage'), (stageX1 + stageX2) / 2, stageY - Math.max(6, size) - 4);

    const paths = new Map<string, Path2D>();
    const path = (color: string) => {
      let p = paths.get(color);
      if (!p) {
        p = new Path2D();
        paths.set(color, p);
      }
      return p;
    };
    const selectedPath = new Path2D();
    const highlightPath = new Path2D();
    const seats = model.seats;
    for (let i = 0; i < seats.length; i++) {
      const s = seats[i]!;
      const sx = s.x * scale + ox;
      const sy = s.y * scale + oy;
      if (sx < -size || sy < -size || sx > w + size || sy > h + size) continue;
      const st = model.status[i]!;
      if (selected.has(s.id)) selectedPath.rect(sx - half, sy - half, size, size);
      else
        path(st === 0 ? (model.sectionColor.get(s.section) ?? '#4c6ef5') : STATUS_FILL[st]!).rect(
          sx - half,
          sy - half,
          size,
          size,
        );
      if (highlight?.has(s.id)) highlightPath.rect(sx - half - 2, sy - half - 2, size + 4, size + 4);
    }
    for (const [color, p] of paths) {
      ctx.fillStyle = color;
      ctx.fill(p);
    }
    ctx.fillStyle = SELECTED;
    ctx.fill(selectedPath);
    ctx.strokeStyle = '#f03e3e';
    ctx.lineWidth = 2;
    ctx.stroke(highlightPath);
    if (size >= 18) {
      ctx.fillStyle = '#fff';
      ctx.font = `${Math.floor(size * 0.45)}px system-ui, sans-serif`;
      ctx.textBaseline = 'middle';
      for (let i = 0; i < seats.length; i++) {
        const s = seats[i]!;
        const sx = s.x * scale + ox;
        const sy = s.y * scale + oy;
        if (sx < -size || sy < -size || sx > w + size || sy > h + size) continue;
        ctx.fillText(String(s.number), sx, sy);
      }
      ctx.textBaseline = 'alphabetic';
    }
  }, [model, selected, highlight, t]);

  const requestDraw = useCallback(() => {
    if (!frame.current) frame.current = requestAnimationFrame(draw);
  }, [draw]);

  const fit = useCallback(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const w = canvas.clientWidth || 600;
    const h = canvas.clientHeight || 400;
    const b = model.bounds;
    const pad = model.seatSize * 4;
    const bw = b.maxX - b.minX + pad * 2;
    const bh = b.maxY - b.minY + pad * 3;
    const scale = Math.min(w / bw, h / bh);
    fitScale.current = scale;
    view.current = {
      scale,
      ox: (w - (b.maxX - b.minX) * scale) / 2 - b.minX * scale,
      oy: (h - (b.maxY - b.minY) * scale) / 2 - b.minY * scale + pad * scale * 0.5,
    };
    requestDraw();
  }, [model, requestDraw]);

  const zoomAt = useCallback(
    (factor: number, cx: number, cy: number) => {
      const v = view.current;
      const max = MAX_SEAT_PX / model.seatSize;
      const scale = Math.min(max, Math.max(fitScale.current * MIN_SCALE_FACTOR, v.scale * factor));
      const k = scale / v.scale;
      view.current = { scale, ox: cx - (cx - v.ox) * k, oy: cy - (cy - v.oy) * k };
      requestDraw();
    },
    [model, requestDraw],
  );

  useEffect(() => {
    fit();
    const canvas = canvasRef.current;
    if (!canvas) return;
    const observer = new ResizeObserver(() => requestDraw());
    observer.observe(canvas);
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const rect = canvas.getBoundingClientRect();
      zoomAt(Math.exp(-e.deltaY * 0.0015), e.clientX - rect.left, e.clientY - rect.top);
    };
    canvas.addEventListener('wheel', onWheel, { passive: false });
    return () => {
      observer.disconnect();
      canvas.removeEventListener('wheel', onWheel);
      if (frame.current) cancelAnimationFrame(frame.current);
      frame.current = 0;
    };
  }, [fit, requestDraw, zoomAt]);

  useEffect(() => requestDraw(), [version, selected, highlight, requestDraw]);

  const toWorld = (clientX: number, clientY: number) => {
    const rect = canvasRef.current!.getBoundingClientRect();
    const v = view.current;
    return { x: (clientX - rect.left - v.ox) / v.scale, y: (clientY - rect.top - v.oy) / v.scale };
  };

  const twoPointers = (): [Point, Point] | null => {
    const [a, b] = [...pointers.current.values()];
    return a && b ? [a, b] : null;
  };
  const onPointerDown = (e: React.PointerEvent<HTMLCanvasElement>) => {
    pointers.current.set(e.pointerId, { x: e.clientX, y: e.clientY });
    try {
      e.currentTarget.setPointerCapture(e.pointerId);
    } catch {
      // A pointer the browser no longer tracks: the gesture goes on without capture.
    }
    const two = twoPointers();
    if (two) {
      // A second finger: a pinch, never a seat click.
      pinch.current = pinchState(...two);
      drag.current = null;
      return;
    }
    drag.current = { x: e.clientX, y: e.clientY, ox: view.current.ox, oy: view.current.oy, moved: false };
  };
  const endPointer = (e: React.PointerEvent<HTMLCanvasElement>) => {
    pointers.current.delete(e.pointerId);
    if (pinch.current && !twoPointers()) {
      pinch.current = null;
      // The finger left on the map pans on from here; lifting it chooses nothing.
      const [rest] = [...pointers.current.values()];
      drag.current = rest
        ? { x: rest.x, y: rest.y, ox: view.current.ox, oy: view.current.oy, moved: true }
        : null;
    }
  };
  const onPointerMove = (e: React.PointerEvent<HTMLCanvasElement>) => {
    if (pointers.current.has(e.pointerId)) pointers.current.set(e.pointerId, { x: e.clientX, y: e.clientY });
    const two = pinch.current && twoPointers();
    if (pinch.current && two) {
      const next = pinchState(...two);
      const step = pinchStep(pinch.current, next);
      pinch.current = next;
      const rect = canvasRef.current!.getBoundingClientRect();
      view.current = { ...view.current, ox: view.current.ox + step.pan.x, oy: view.current.oy + step.pan.y };
      zoomAt(step.factor, step.at.x - rect.left, step.at.y - rect.top);
      return;
    }
    const d = drag.current;
    if (d) {
      const dx = e.clientX - d.x;
      const dy = e.clientY - d.y;
      if (Math.abs(dx) + Math.abs(dy) > 4) d.moved = true;
      if (d.moved) {
        view.current = { ...view.current, ox: d.ox + dx, oy: d.oy + dy };
        requestDraw();
      }
      return;
    }
    const tip = tipRef.current;
    if (!tip) return;
    const p = toWorld(e.clientX, e.clientY);
    const seat = model.hit(p.x, p.y);
    if (!seat) {
      tip.hidden = true;
      return;
    }
    const rect = canvasRef.current!.getBoundingClientRect();
    tip.hidden = false;
    tip.style.left = `${e.clientX - rect.left + 12}px`;
    tip.style.top = `${e.clientY - rect.top + 12}px`;
    tip.textContent = `${seat.section} · ${seat.label} · ${krw(seat.price)} · ${t(`seatStatus.${model.statusOf(seat.id) ?? 'blocked'}`)}`;
  };
  const onPointerUp = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const pinching = pinch.current !== null;
    endPointer(e);
    if (pinching || pointers.current.size > 0) return;
    const d = drag.current;
    drag.current = null;
    if (d && !d.moved && onSeatClick) {
      const p = toWorld(e.clientX, e.clientY);
      const seat = model.hit(p.x, p.y);
      if (seat) onSeatClick(seat);
    }
  };

  const center = () => {
    const c = canvasRef.current!;
    return [c.clientWidth / 2, c.clientHeight / 2] as const;
  };

  return (
    <div className="seat-canvas-wrap" ref={wrapRef}>
      <div className="zoom-controls">
        <button
          type="button"
          className="btn btn-small"
          aria-label={t('seat.zoomIn')}
          onClick={() => zoomAt(1.4, ...center())}
        >
          +
        </button>
        <button
          type="button"
          className="btn btn-small"
          aria-label={t('seat.zoomOut')}
          onClick={() => zoomAt(1 / 1.4, ...center())}
        >
          −
        </button>
        <button type="button" className="btn btn-small" onClick={fit}>
          {t('seat.fit')}
        </button>
      </div>
      <canvas
        ref={canvasRef}
        className="seat-canvas"
        style={{ height: props.height ?? 520 }}
        role="img"
        aria-label={t('seat.canvasLabel')}
        data-testid="seat-canvas"
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={(e) => {
          endPointer(e);
          if (pointers.current.size === 0) drag.current = null;
        }}
        onPointerLeave={() => {
          if (tipRef.current) tipRef.current.hidden = true;
        }}
        tabIndex={0}
        onKeyDown={(e) => {
          // Keyboard pan and zoom; choosing seats by keyboard is the list view's job.
          const step = 60;
          const pan: Record<string, [number, number]> = {
            ArrowLeft: [step, 0],
            ArrowRight: [-step, 0],
            ArrowUp: [0, step],
            ArrowDown: [0, -step],
          };
          const move = pan[e.key];
          if (move) {
            e.preventDefault();
            view.current = { ...view.current, ox: view.current.ox + move[0], oy: view.current.oy + move[1] };
            requestDraw();
          } else if (e.key === '+' || e.key === '=') zoomAt(1.4, ...center());
          else if (e.key === '-') zoomAt(1 / 1.4, ...center());
          else if (e.key === '0') fit();
        }}
      />
      <div ref={tipRef} className="seat-tip" hidden />
    </div>
  );
}
