import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export interface RequestContext {
  requestId: string;
  /** The request's own logger, which already carries the id as a binding. */
  log?: unknown;
  /** Its database work waits ahead of ordinary requests' for a pooled connection. */
  priority?: boolean;
  /** Milliseconds it spent waiting on each outside part, summed (parallel work overlaps). */
  spent?: Record<SpentPart, number>;
}

/**
 * Where a request waits outside its own code: for a pooled database connection, in its database
 * statements, on Redis (coordination), in calls to other services (a proxied request's upstream
 * answer too), and for a slot of a limit on requests in flight (slot_wait). Summed per route in /metrics, they tell a slow
 * request that waits from one that computes.
 */
export const SPENT_PARTS = ['db_wait', 'db', 'coordination', 'calls', 'slot_wait'] as const;
export type SpentPart = (typeof SPENT_PARTS)[number];

/** Nothing spent on any part yet. */
export function noSpent(): Record<SpentPart, number> {
  return Object.fromEntries(SPENT_PARTS.map((part) => [part, 0])) as Record<SpentPart, number>;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` with `context` as the current request (background work started inside keeps it). */
export function runWithRequestContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}

/**
 * Puts the rest of the current request's database work ahead of ordinary requests' in the
 * connection pool's queue: a checkout's confirmation then does not wait behind a flash sale's
 * holds. Work the request starts in the background goes ahead too, which is harmless when rare.
 */
export function preferPriorityLane(): void {
  const store = storage.getStore();
  if (store) store.priority = true;
}

export function inPriorityLane(): boolean {
  return storage.getStore()?.priority === true;
}

/** Adds `ms` to what the current request spent on `part`; outside a request it is not counted. */
export function addSpent(part: SpentPart, ms: number): void {
  const store = storage.getStore();
  if (store) spendIn(store, part, ms);
}

/** Adds to a given request's figures: for callbacks that may run outside its async context. */
export function spendIn(context: RequestContext, part: SpentPart, ms: number): void {
  const spent = (context.spent ??= noSpent());
  spent[part] += ms;
}

const contexts = new WeakMap<FastifyRequest, RequestContext>();

/** The context a request ran in, for hooks that may run outside it (onResponse, after the answer left). */
export function requestContextOf(request: FastifyRequest): RequestContext | undefined {
  return contexts.get(request);
}

/** The id of the request being served, when there is one. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/**
 * Makes the request id the current context for everything the request runs (hooks, handler,
 * service code, its promises), so log lines written through `ctx.log` carry it too. Register
 * it first: hooks added before it run outside the context.
 */
export function installRequestContext(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const context: RequestContext = { requestId: request.id, log: request.log };
    contexts.set(request, context);
    storage.run(context, done);
  });
}
