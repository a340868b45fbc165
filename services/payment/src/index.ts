export { paymentService, paymentDeps } from './payment.service';
export * from './payment.config';
export { reconcileOnce } from './payments/reconciler';
export { CancelledEventRefunds } from './payments/cancelled-event.refunds';
