import { fork } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer, type Socket as NetSocket } from 'node:net';
import { Server } from 'socket.io';
import { io } from 'socket.io-client';

/**
 * Child process of bench/lib/fanout.ts, in one of four roles (argv[2]): a sender and a receiver
 * of one small message to many loopback sockets, either raw TCP or Socket.IO. The sender reports
 * its CPU per write, measured around the synchronous loop of writes (a socket write is tried at
 * once, so the kernel's loopback delivery is counted in it too); the receiver its CPU per read.
 */
type Role = 'tcp-send' | 'tcp-receive' | 'sio-send' | 'sio-receive';
const [role, portText, countText, roundsText] = process.argv.slice(2) as [Role, string, string, string];
const port = Number(portText);
const count = Number(countText);
const rounds = Number(roundsText);
const cpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const message = {
  eventId: 'evt_01KBBENCHFANOUTFLOOR00000',
  version: 1,
  fromVersion: 1,
  changes: [{ seatId: 'seat_01KBBENCHFANOUTFLOOR0000', status: 'held' }],
};

async function sender(): Promise<void> {
  let broadcast: () => void;
  let connected: () => number;
  if (role === 'tcp-send') {
    const sockets: NetSocket[] = [];
    const server = createServer((s) => {
      s.setNoDelay(true);
      sockets.push(s);
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    // The bytes of a WebSocket text frame carrying the same message, so the sizes match.
    const body = Buffer.from(`42["seats:update",${JSON.stringify(message)}]`);
    const frame = Buffer.concat([Buffer.from([0x81, 0x7e, body.length >> 8, body.length & 0xff]), body]);
    broadcast = () => {
      for (const s of sockets) s.write(frame);
    };
    connected = () => sockets.length;
  } else {
    const http = createHttpServer();
    const server = new Server(http, { serveClient: false });
    server.on('connection', (s) =>
      s.on('join', (ack: () => void) => {
        void s.join('room');
        ack();
      }),
    );
    await new Promise<void>((r) => http.listen(port, '127.0.0.1', r));
    broadcast = () => server.to('room').emit('seats:update', message);
    connected = () => server.of('/').adapter.rooms.get('room')?.size ?? 0;
  }
  const receiver = fork(
    new URL(import.meta.url).pathname,
    [role.replace('send', 'receive'), portText, countText, roundsText],
    {
      execArgv: ['--import', 'tsx'],
    },
  );
  const ask = () =>
    new Promise<{ cpu: number; got: number }>((resolve) => {
      receiver.once('message', resolve as never);
      receiver.send('cpu');
    });
  await new Promise((r) => receiver.once('message', r));
  await pause(1_000);
  const before = await ask();
  let sendCpu = 0;
  for (let i = 0; i < rounds; i++) {
    const c0 = cpu();
    broadcast();
    sendCpu += cpu() - c0;
    await pause(400);
  }
  const after = await ask();
  const deliveries = rounds * connected();
  process.send!({
    sockets: connected(),
    delivered: after.got - before.got,
    sendUs: sendCpu / deliveries,
    receiveUs: (after.cpu - before.cpu) / deliveries,
  });
  receiver.kill('SIGKILL');
  process.exit(0);
}

async function receiverRole(): Promise<void> {
  let got = 0;
  for (let i = 0; i < count; i += 250) {
    await Promise.all(
      Array.from({ length: Math.min(250, count - i) }, () =>
        role === 'tcp-receive'
          ? new Promise<void>((resolve) => {
              const s = connect(port, '127.0.0.1', () => resolve());
              s.on('data', () => got++);
            })
          : new Promise<void>((resolve) => {
              const s = io(`http://127.0.0.1:${port}`, {
                transports: ['websocket'],
                reconnection: false,
                forceNew: true,
              });
              s.on('seats:update', () => got++);
              s.once('connect', () => s.emit('join', () => resolve()));
            }),
      ),
    );
  }
  process.send!('ready');
  process.on('message', () => process.send!({ cpu: cpu(), got }));
}

if (role.endsWith('send')) await sender();
else await receiverRole();
