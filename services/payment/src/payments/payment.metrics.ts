import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface PaymentMetrics {
  status(method: string, status: string): void;
  paid(method: string, amount: number): void;
  providerCall(provider: string, operation: string, outcome: string, seconds: number): void;
  /** What the reconciler's pass on this replica looked at, and how long it took. */
  reconcilePass(payments: number, seconds: number): void;
  /** Another replica holds the reconciler's lease: this one reports no backlog. */
  reconcilerIdle(): void;
}

export function createPaymentMetrics(registry: Registry): PaymentMetrics {
  const total = new Counter({
    name: 'tiketi_payments_total',
    help: 'Payments reaching a status, by method',
    labelNames: ['method', 'status'],
    registers: [registry],
  });
  const amount = new Counter({
    name: 'tiketi_payment_amount_krw_total',
    help: 'KRW charged, by method',
    labelNames: ['method'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'tiketi_payment_provider_call_seconds',
    help: 'Latency of payment provider API calls',
    labelNames: ['provider', 'operation', 'outcome'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [registry],
  });
  const backlog = new Gauge({
    name: 'tiketi_payment_reconcile_backlog',
    help: "Payments the reconciler's last pass on this replica looked at (0 where it does not hold the reconciler lease)",
    registers: [registry],
  });
  const pass = new Histogram({
    name: 'tiketi_payment_reconcile_pass_seconds',
    help: "Duration of the reconciler's passes",
    buckets: [0.1, 0.5, 1, 5, 15, 30, 60, 300, 900],
    registers: [registry],
  });
  return {
    reconcilePass: (payments, seconds) => {
      backlog.set(payments);
      pass.observe(seconds);
    },
    reconcilerIdle: () => backlog.set(0),
    status: (method, status) => total.inc({ method, status }),
    paid: (method, krw) => amount.inc({ method }, krw),
    providerCall: (provider, operation, outcome, seconds) =>
      latency.observe({ provider, operation, outcome }, seconds),
  };
}
