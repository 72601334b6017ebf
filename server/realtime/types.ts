// Server-side typing of Socket.IO: the shared contract (common/realtime.ts) plus what the server keeps per
// socket. `identity` is set by the handshake authentication middleware (server/auth).
import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents } from '../../common/realtime';
import type { Identity } from '../auth/identity';

export interface SocketData {
  identity?: Identity;
}

export type RealtimeServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type RealtimeSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
