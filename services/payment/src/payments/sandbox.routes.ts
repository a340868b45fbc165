import type { FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AppError } from '@tiketi/platform';
import type { SandboxAdapter } from '../providers/sandbox.provider';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

type Language = 'ko' | 'en';

const copy = {
  en: {
    title: 'TIKETI sandbox checkout',
    note: 'Sandbox payment — no real money moves.',
    order: 'Order',
    amount: (n: string) => `${n} KRW`,
    pay: 'Pay',
    fail: 'Fail',
    closed: (status: string) => `This checkout is ${status}.`,
  },
  ko: {
    title: 'TIKETI 샌드박스 결제',
    note: '샌드박스 결제입니다. 실제로 돈이 오가지 않습니다.',
    order: '주문번호',
    amount: (n: string) => `${n}원`,
    pay: '결제하기',
    fail: '결제 실패',
    closed: (status: string) => `이미 끝난 결제입니다 (${status}).`,
  },
} satisfies Record<Language, unknown>;

/** The buyer's browser language, as a provider's hosted page would pick it (English when neither is asked for). */
export function sandboxLanguage(acceptLanguage: string | undefined): Language {
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, i) => {
      const [tag, ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { base: tag!.split('-')[0], q: q ? Number(q.slice(2)) : 1, i };
    })
    .filter((l) => (l.base === 'ko' || l.base === 'en') && l.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  return ranked[0]?.base === 'ko' ? 'ko' : 'en';
}

function page(lang: Language, orderId: string, orderName: string, amount: number, status: string): string {
  const open = status === 'READY' || status === 'IN_PROGRESS';
  const c = copy[lang];
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${c.title}</title><link rel="icon" href="data:,">
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#222}
.card{border:1px solid #ddd;border-radius:12px;padding:1.5rem}.amount{font-size:2rem;font-weight:700}
button{font-size:1rem;padding:.7rem 1.4rem;border-radius:8px;border:0;margin-right:.5rem;cursor:pointer}
.pay{background:#3182f6;color:#fff}.fail{background:#eee}.note{color:#777;font-size:.85rem}</style></head>
<body><div class="card"><p class="note">${c.note}</p>
<h1>${escape(orderName)}</h1><p>${c.order} <code>${escape(orderId)}</code></p>
<p class="amount" data-testid="amount">${c.amount(amount.toLocaleString('ko-KR'))}</p>
${open ? `<form method="post"><button class="pay" name="action" value="approve">${c.pay}</button><button class="fail" name="action" value="fail">${c.fail}</button></form>` : `<p>${c.closed(escape(status.toLowerCase()))}</p>`}
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

  app.get(
    '/api/payments/sandbox/checkout/:orderId',
    {
      schema: { tags: ['payments'], summary: 'Sandbox checkout page (HTML)', params },
    },
    async (request, reply) => {
      const order = await sandbox.order(request.params.orderId);
      if (!order) throw AppError.notFound('CHECKOUT_NOT_FOUND', 'No such checkout');
      return reply
        .type('text/html; charset=utf-8')
        .send(
          page(
            sandboxLanguage(request.headers['accept-language']),
            request.params.orderId,
            order.orderName,
            order.amount,
            order.status,
          ),
        );
    },
  );

  app.post(
    '/api/payments/sandbox/checkout/:orderId',
    {
      schema: {
        tags: ['payments'],
        summary:
          'Sandbox Pay/Fail buttons: 303 to the success URL (paymentKey, orderId, amount) or the fail URL (code, message, orderId)',
        params,
        body: Type.Object({ action: Type.Union([Type.Literal('approve'), Type.Literal('fail')]) }),
      },
    },
    async (request, reply) => {
      const { orderId } = request.params;
      if (request.body.action === 'approve') {
        const ok = await sandbox.authorize(orderId);
        if (!ok) throw AppError.conflict('CHECKOUT_CLOSED', 'This checkout is closed');
        return reply.redirect(
          withQuery(ok.successUrl, {
            paymentKey: ok.paymentKey,
            orderId,
            amount: String(ok.amount),
            paymentType: 'NORMAL',
          }),
          303,
        );
      }
      const aborted = await sandbox.abort(orderId);
      if (!aborted) throw AppError.conflict('CHECKOUT_CLOSED', 'This checkout is closed');
      return reply.redirect(
        withQuery(aborted.failUrl, {
          code: 'PAY_PROCESS_CANCELED',
          message: 'The buyer cancelled the payment',
          orderId,
        }),
        303,
      );
    },
  );
}
