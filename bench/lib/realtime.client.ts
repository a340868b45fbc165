import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';

/**
 * Child process of bench/realtime.bench.ts: opens `count` Socket.IO clients (WebSocket transport,
 * one connection each) spread over `urls`, joins them to one event room, and records when each
 * `seats:update` version reaches them: per version the first and last arrival (epoch ms, sub-ms)
 * and how many clients got it. The parent asks for the record over IPC ("report"), then "close".
 */
interface Config {
  urls: string[];
  /** Clients opened at once, then (on "more") the rest up to `count`: memory is measured between. */
  warm: number;
  count: number;
  eventId: string;
  batch: number;
}

interface VersionRecord {
  first: number;
  last: number;
  n: number;
  seats: string[];
}

const config = JSON.parse(process.argv[2]!) as Config;
const sockets: Socket[] = [];
const versions = new Map<number, VersionRecord>();
let failed = 0;
const now = () => performance.timeOrigin + performance.now();

function onUpdate(msg: { version: number; changes: Array<{ seatId: string }> }): void {
  const t = now();
  const rec = versions.get(msg.version);
  if (rec) {
    if (t > rec.last) rec.last = t;
    rec.n++;
  } else {
    versions.set(msg.version, { first: t, last: t, n: 1, seats: msg.changes.map((c) => c.seatId) });
  }
}

function connectOne(url: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = io(url, {
      path: '/socket.io',
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      timeout: 60_000,
    });
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      if (!ok) failed++;
      resolve();
    };
    socket.on('seats:update', onUpdate);
    socket.once('connect', () => {
      socket
        .timeout(60_000)
        .emit('event:join', { eventId: config.eventId }, (err: Error | null, ack?: { ok: boolean }) =>
          finish(!err && !!ack?.ok),
        );
    });
    socket.once('connect_error', () => finish(false));
    sockets.push(socket);
  });
}

async function connectRange(from: number, to: number): Promise<void> {
  for (let i = from; i < to; i += config.batch) {
    await Promise.all(
      Array.from({ length: Math.min(config.batch, to - i) }, (_, j) =>
        connectOne(config.urls[(i + j) % config.urls.length]!),
      ),
    );
  }
  process.send!({ type: 'ready', joined: to - failed, failed });
}

await connectRange(0, Math.min(config.warm, config.count));

process.on('message', (m: { type: string }) => {
  if (m.type === 'more') {
    void connectRange(Math.min(config.warm, config.count), config.count);
  } else if (m.type === 'report') {
    const connected = sockets.filter((s) => s.connected).length;
    process.send!({ type: 'report', connected, versions: [...versions.entries()] });
  } else if (m.type === 'close') {
    for (const s of sockets) s.disconnect();
    setTimeout(() => process.exit(0), 200);
  }
});
