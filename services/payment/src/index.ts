export { paymentService } from './payment.service';
export * from './payment.config';
