import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance } from 'fastify';

export interface RequestContext {
  requestId: string;
  /** The request's own logger, which already carries the id as a binding. */
  log?: unknown;
  /** Its database work waits ahead of ordinary requests' for a pooled connection. */
  priority?: boolean;
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
    storage.run({ requestId: request.id, log: request.log }, done);
  });
}
