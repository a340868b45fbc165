import { fork } from 'node:child_process';
import { freePort } from './cluster';

export interface FanoutCost {
  sockets: number;
  delivered: number;
  /** Sender CPU per socket written, µs. */
  sendUs: number;
  /** Receiver CPU per message read, µs. */
  receiveUs: number;
}

/**
 * What one delivery costs on this machine with nothing else running: one process writes one small
 * message to each of `sockets` loopback connections held by a second process, `rounds` times.
 * `tcp` writes a ready-made WebSocket frame straight to net sockets (the kernel's floor);
 * `socket.io` is a bare Socket.IO server and socket.io-client, as the ticket service and the
 * realtime benchmark's clients use them. With server and clients on the same 2 cores, a message to
 * N clients cannot reach the last one before N x (send + receive) / 2 cores.
 */
export async function fanoutCost(
  kind: 'tcp' | 'socket.io',
  sockets = 5_000,
  rounds = 20,
): Promise<FanoutCost> {
  const child = fork(
    'bench/lib/fanout.child.ts',
    [kind === 'tcp' ? 'tcp-send' : 'sio-send', String(await freePort()), String(sockets), String(rounds)],
    {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${kind} fan-out measurement took over 120 s`));
    }, 120_000);
    child.once('message', (m: FanoutCost) => {
      clearTimeout(timer);
      resolve(m);
    });
    child.once(
      'exit',
      (code) => code !== 0 && reject(new Error(`${kind} fan-out child exited with ${code}`)),
    );
  });
}
