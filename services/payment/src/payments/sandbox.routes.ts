import type { FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AppError } from '@tiketi/platform';
import type { SandboxAdapter } from '../providers/sandbox.provider';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(orderId: string, orderName: string, amount: number, status: string): string {
  const open = status === 'READY' || status === 'IN_PROGRESS';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>TIKETI sandbox checkout</title><link rel="icon" href="data:,">
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#222}
.card{border:1px solid #ddd;border-radius:12px;padding:1.5rem}.amount{font-size:2rem;font-weight:700}
button{font-size:1rem;padding:.7rem 1.4rem;border-radius:8px;border:0;margin-right:.5rem;cursor:pointer}
.pay{background:#3182f6;color:#fff}.fail{background:#eee}.note{color:#777;font-size:.85rem}</style></head>
<body><div class="card"><p class="note">Sandbox payment — no real money moves.</p>
<h1>${escape(orderName)}</h1><p>Order <code>${escape(orderId)}</code></p>
<p class="amount" data-testid="amount">${amount.toLocaleString('ko-KR')} KRW</p>
${open ? `<form method="post"><button class="pay" name="action" value="approve">Pay</button><button class="fail" name="action" value="fail">Fail</button></form>` : `<p>This checkout is ${escape(status.toLowerCase())}.</p>`}
</div></body></html>`;
}

function withQuery(url: string, params: Record<string, string>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

/** The sandbox provider's checkout page; its answers mirror Toss's redirects. */
export async function sandboxRoutes(scope: FastifyInstance, sandbox: SandboxAdapter): Promise<void> {
  await scope.register(formbody);
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const params = Type.Object({ orderId: Type.String({ pattern: '^[A-Za-z0-9_-]{6,64}$' }) });

  app.get('/api/payments/sandbox/checkout/:orderId', {
    schema: { tags: ['payments'], summary: 'Sandbox checkout page (HTML)', params },
  }, async (request, reply) => {
    const order = await sandbox.order(request.params.orderId);
    if (!order) throw AppError.notFound('CHECKOUT_NOT_FOUND', 'No such checkout');
    return reply.type('text/html; charset=utf-8').send(page(request.params.orderId, order.orderName, order.amount, order.status));
  });

  app.post('/api/payments/sandbox/checkout/:orderId', {
    schema: {
      tags: ['payments'],
      summary: 'Sandbox Pay/Fail buttons: 303 to the success URL (paymentKey, orderId, amount) or the fail URL (code, message, orderId)',
      params,
      body: Type.Object({ action: Type.Union([Type.Literal('approve'), Type.Literal('fail')]) }),
    },
  }, async (request, reply) => {
    const { orderId } = request.params;
    if (request.body.action === 'approve') {
      const ok = await sandbox.authorize(orderId);
      if (!ok) throw AppError.conflict('CHECKOUT_CLOSED', 'This checkout is closed');
      return reply.redirect(withQuery(ok.successUrl, { paymentKey: ok.paymentKey, orderId, amount: String(ok.amount), paymentType: 'NORMAL' }), 303);
    }
    const aborted = await sandbox.abort(orderId);
    if (!aborted) throw AppError.conflict('CHECKOUT_CLOSED', 'This checkout is closed');
    return reply.redirect(withQuery(aborted.failUrl, { code: 'PAY_PROCESS_CANCELED', message: 'The buyer cancelled the payment', orderId }), 303);
  });
}
