import { io, type Socket } from 'socket.io-client';
import { sessionStore } from '../auth/session.store';

let socket: Socket | null = null;
let tokenInUse: string | undefined;

/**
 * One Socket.IO connection per tab, same origin (the web server proxies /socket.io to the gateway).
 * It reconnects with the current access token when the user logs in, out, or the token refreshes,
 * so per-user messages (queue, holds) keep arriving.
 */
export function getSocket(): Socket {
  const token = sessionStore.get()?.accessToken;
  if (socket && tokenInUse !== token) {
    socket.auth = token ? { token } : {};
    tokenInUse = token;
    if (socket.connected) {
      socket.disconnect();
      socket.connect();
    }
  }
  if (!socket) {
    tokenInUse = token;
    socket = io({ path: '/socket.io', transports: ['websocket', 'polling'], auth: token ? { token } : {} });
  }
  return socket;
}

sessionStore.subscribe(() => {
  if (socket) getSocket();
});

/** Joins an event's room now and after every reconnect; returns the leave function. */
export function joinEventRoom(eventId: string, onReconnect?: () => void): () => void {
  const s = getSocket();
  const join = () => s.emit('event:join', { eventId });
  const onConnect = () => {
    join();
    onReconnect?.();
  };
  if (s.connected) join();
  s.on('connect', onConnect);
  return () => {
    s.off('connect', onConnect);
    if (s.connected) s.emit('event:leave', { eventId });
  };
}
