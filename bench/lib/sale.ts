/**
 * A buyer's and an operator's view of a running cluster: the public API through the gateway,
 * exactly as the web app drives it. Used by the fault tests and the benchmarks.
 */
export interface ApiResult {
  status: number;
  body: any;
  /** The request never got an HTTP answer (connection refused or reset, or our own time limit). */
  transportError?: string;
}

export const CLUSTER_ADMIN = { email: 'ops@tiketi.test', password: 'Chaos-Operator-Pass-2026!' };

export class SaleClient {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 15_000,
  ) {}

  /** `ip` is sent as X-Forwarded-For: a gateway trusting one proxy hop then sees each simulated client apart. */
  async api(
    method: string,
    path: string,
    opts: { token?: string; body?: unknown; form?: string; ip?: string } = {},
  ): Promise<ApiResult> {
    const headers: Record<string, string> = {};
    if (opts.ip) headers['x-forwarded-for'] = opts.ip;
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    if (opts.form !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    try {
      const res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: opts.form ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await res.text();
      let body: any = text;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        // HTML (the sandbox page) or a redirect: keep the text
      }
      if (res.status >= 300 && res.status < 400) body = { location: res.headers.get('location') };
      return { status: res.status, body };
    } catch (err) {
      return {
        status: 0,
        body: null,
        transportError: (err as Error).name === 'TimeoutError' ? 'timeout' : String((err as Error).message),
      };
    }
  }

  async adminToken(): Promise<string> {
    const res = await this.api('POST', '/api/auth/login', { body: CLUSTER_ADMIN });
    if (res.status !== 200) throw new Error(`admin login failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.accessToken as string;
  }

  /** Registers `count` buyers a few at a time (password hashing is the cost) and returns their tokens. */
  async registerBuyers(
    count: number,
    label: string,
    parallel = 6,
    ipOf?: (i: number) => string,
  ): Promise<string[]> {
    const tokens: string[] = [];
    const run = Date.now().toString(36);
    for (let i = 0; i < count; i += parallel) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(parallel, count - i) }, (_, j) =>
          this.api('POST', '/api/auth/register', {
            body: {
              email: `${label}-${run}-${i + j}@tiketi.test`,
              password: 'chaos-buyer-pass-1',
              name: `Buyer ${i + j}`,
            },
            ip: ipOf?.(i + j),
          }),
        ),
      );
      for (const r of batch) {
        if (r.status !== 201 && r.status !== 200)
          throw new Error(`register failed: ${r.status} ${JSON.stringify(r.body)}`);
        tokens.push(r.body.accessToken as string);
      }
    }
    return tokens;
  }

  /** An operator creates and publishes an event on sale now; returns its id and seat ids. */
  async onSaleEvent(
    adminToken: string,
    opts: { title: string; rows: number; perRow: number; price: number; seatLimit?: number },
  ): Promise<{ eventId: string; seatIds: string[] }> {
    const hour = 3_600_000;
    const at = (ms: number) => new Date(Date.now() + ms).toISOString();
    const created = await this.api('POST', '/api/admin/events', {
      token: adminToken,
      body: {
        title: opts.title,
        category: 'concert',
        venueName: 'Chaos Hall',
        startsAt: at(72 * hour),
        endsAt: at(75 * hour),
        saleStartsAt: at(-hour),
        saleEndsAt: at(70 * hour),
        seatLimit: opts.seatLimit ?? 4,
        holdMinutes: 10,
        layout: {
          sections: [
            {
              name: 'Floor',
              price: opts.price,
              rows: Array.from({ length: opts.rows }, (_, i) => ({ label: `R${i + 1}`, seats: opts.perRow })),
            },
          ],
        },
      },
    });
    if (created.status !== 201)
      throw new Error(`event not created: ${created.status} ${JSON.stringify(created.body)}`);
    const eventId = created.body.event.id as string;
    const published = await this.api('POST', `/api/events/${eventId}/publish`, { token: adminToken });
    if (published.status >= 300)
      throw new Error(`event not published: ${published.status} ${JSON.stringify(published.body)}`);
    const map = await this.api('GET', `/api/events/${eventId}/seats`);
    return { eventId, seatIds: (map.body.seats as Array<{ id: string }>).map((s) => s.id) };
  }

  hold(token: string, eventId: string, seatIds: string[]): Promise<ApiResult> {
    return this.api('POST', '/api/tickets/book', { token, body: { eventId, seatIds } });
  }

  /** Sandbox checkout: create the payment, press Pay on the checkout page; returns what confirm needs. */
  async sandboxCheckout(
    token: string,
    reservationId: string,
  ): Promise<
    | { ok: true; confirm: { orderId: string; paymentKey: string; amount: number } }
    | { ok: false; step: string; result: ApiResult }
  > {
    const created = await this.api('POST', '/api/payments/create', {
      token,
      body: { reservationId, method: 'sandbox' },
    });
    if (created.status !== 201) return { ok: false, step: 'create', result: created };
    const path = new URL(created.body.checkout.url as string).pathname;
    const approved = await this.api('POST', path, { form: 'action=approve' });
    if (approved.status !== 303) return { ok: false, step: 'approve', result: approved };
    const back = new URL(approved.body.location as string);
    return {
      ok: true,
      confirm: {
        orderId: back.searchParams.get('orderId')!,
        paymentKey: back.searchParams.get('paymentKey')!,
        amount: Number(back.searchParams.get('amount')),
      },
    };
  }

  confirm(token: string, body: { orderId: string; paymentKey: string; amount: number }): Promise<ApiResult> {
    return this.api('POST', '/api/payments/confirm', { token, body });
  }
}

/** Polls `fn` until it stops throwing or `timeoutMs` passes (then rethrows its last error). */
export async function until<T>(fn: () => Promise<T>, timeoutMs = 20_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}
