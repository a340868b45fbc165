import { io, type Socket } from 'socket.io-client';

export interface OpenSocketOptions {
  /** Sent in the handshake (`auth: {token}`), as the web app does. */
  token?: string;
  /** Runs before the handshake, so listeners for what the server sends on connect are in place. */
  before?: (socket: Socket) => void;
}

/** Socket.IO clients a test file opens; `closeAll` in afterAll ends them. */
export function testSockets() {
  const opened: Socket[] = [];
  return {
    /** Connects over WebSocket without reconnecting; resolves once connected, rejects on a refused handshake. */
    async open(url: string, options: OpenSocketOptions = {}): Promise<Socket> {
      const socket = io(url, {
        path: '/socket.io',
        transports: ['websocket'],
        auth: options.token ? { token: options.token } : {},
        reconnection: false,
      });
      opened.push(socket);
      options.before?.(socket);
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      return socket;
    },
    closeAll(): void {
      for (const socket of opened.splice(0)) socket.disconnect();
    },
  };
}

/** Every payload of one message name, in arrival order. */
export function collect<T>(socket: Socket, name: string): T[] {
  const list: T[] = [];
  socket.on(name, (payload: T) => list.push(payload));
  return list;
}
