import type { FastifyInstance } from 'fastify';
import type { MigrationSet, ServiceContext } from '@tiketi/platform';
import type { TicketConfig } from './ticket.config';

/**
 * The ticket service is built from areas (catalogue, booking, queue) that share one schema and
 * one process. Each brings its migrations (numeric prefixes: core 0001, catalogue 01xx, booking
 * 02xx, queue 03xx) and routes; they reach each other only through TicketShared.
 */
export interface TicketArea {
  name: string;
  migrations: MigrationSet;
  routes(app: FastifyInstance, ctx: ServiceContext<TicketConfig>, shared: TicketShared): Promise<void>;
  start?(ctx: ServiceContext<TicketConfig>, app: FastifyInstance, shared: TicketShared): Promise<void>;
  seed?(ctx: ServiceContext<TicketConfig>, shared: TicketShared): Promise<void>;
}

/** Checks a waiting-room admission before a hold (the queue area provides it). */
export interface QueueGate {
  /** Throws 403 QUEUE_TOKEN_REQUIRED / QUEUE_TOKEN_INVALID when the event's waiting room is active and the token does not admit this user. */
  assertAdmitted(eventId: string, userId: string, token: string | undefined): Promise<void>;
  /** A buyer's purchase was confirmed: their session inside the event's waiting room (if any) ends. */
  purchased(eventId: string, userId: string): Promise<void>;
}

/** Pushes to browsers over Socket.IO (the booking area owns the server; the queue area uses it). */
export interface Realtime {
  toEvent(eventId: string, name: string, payload: unknown): void;
  toUser(userId: string, name: string, payload: unknown): void;
  /** One message each to many users: one publish between replicas for all of them, not one per user. */
  toUsers(name: string, messages: UserMessage[]): void;
}

export interface UserMessage {
  userId: string;
  payload: unknown;
}

/** Seat availability changed (hold, sale, return): the catalogue keeps sold_out and counts right. */
export type SeatsChangedListener = (eventId: string) => Promise<void> | void;

export interface TicketShared {
  queueGate: QueueGate;
  realtime: Realtime;
  seatsChanged: SeatsChangedListener[];
}

export function createTicketShared(): TicketShared {
  return {
    queueGate: { assertAdmitted: async () => undefined, purchased: async () => undefined },
    realtime: { toEvent: () => undefined, toUser: () => undefined, toUsers: () => undefined },
    seatsChanged: [],
  };
}
