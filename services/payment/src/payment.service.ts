import { statementRoutes } from './payments/statement.routes';
import { defineService, type ServiceContext } from '@tiketi/platform';
import { paymentConfigSchema, type PaymentConfig } from './payment.config';
import { paymentMigrations } from './payment.migrations';
import { createPaymentMetrics } from './payments/payment.metrics';
import type { PaymentDeps } from './payments/payment.core';
import { PaymentRepository } from './payments/payment.repository';
import { CancelledEventRepository } from './payments/cancelled-event.repository';
import { ChangedEventRepository } from './payments/changed-event.repository';
import { RefundRepository } from './payments/refund.repository';
import { internalRoutes } from './payments/internal.routes';
import { paymentRoutes } from './payments/payment.routes';
import { startReconciler, subscribeEventFacts } from './payments/reconciler';
import { CancelledEventRefunds } from './payments/cancelled-event.refunds';
import { sandboxRoutes } from './payments/sandbox.routes';
import { TicketClient } from './payments/ticket.client';
import { createProviderRegistry } from './providers/provider.registry';

const depsByContext = new WeakMap<ServiceContext<PaymentConfig>, PaymentDeps>();

/** One set of collaborators per service instance (routes and background work share it). */
export function paymentDeps(ctx: ServiceContext<PaymentConfig>): PaymentDeps {
  let deps = depsByContext.get(ctx);
  if (!deps) {
    const metrics = createPaymentMetrics(ctx.metrics);
    deps = {
      repo: new PaymentRepository(ctx.db),
      cancelledEvents: new CancelledEventRepository(ctx.db),
      changedEvents: new ChangedEventRepository(ctx.db),
      refunds: new RefundRepository(ctx.db),
      providers: createProviderRegistry(ctx.config, ctx.db, metrics.providerCall),
      ticket: new TicketClient(ctx.config.TICKET_URL, ctx.config.INTERNAL_TOKEN),
      config: ctx.config,
      log: ctx.log,
      metrics,
      clock: ctx.clock,
      relay: ctx.relay,
    };
    depsByContext.set(ctx, deps);
  }
  return deps;
}

export const paymentService = defineService<PaymentConfig>({
  name: 'payment',
  portKey: 'PAYMENT_PORT',
  schema: 'payment',
  configSchema: paymentConfigSchema,
  migrations: paymentMigrations,
  openapi: { title: 'TIKETI payment service', description: 'Payments, provider adapters, webhooks, refunds' },
  async routes(app, ctx) {
    const deps = paymentDeps(ctx);
    await paymentRoutes(app, deps);
    await internalRoutes(app, deps);
    await statementRoutes(app, deps);
    if (deps.providers.sandbox) {
      const sandbox = deps.providers.sandbox;
      await app.register(async (scope) => sandboxRoutes(scope, sandbox));
    }
  },
  async start(ctx) {
    const deps = paymentDeps(ctx);
    const refunds = new CancelledEventRefunds(deps, ctx.coordination);
    const stopReconciler = startReconciler(deps, ctx.coordination, refunds);
    // Closers run last first: no more deliveries, then no more refunds (those under way end),
    // then the reconciler's pass (its sweep starts none either by then).
    ctx.onClose(stopReconciler);
    ctx.onClose(() => refunds.close());
    // ctx.db: the consumer's transaction names the payment schema like every other statement.
    const unsubscribe = await subscribeEventFacts(deps, ctx.bus, ctx.db, refunds);
    ctx.onClose(unsubscribe);
  },
});
