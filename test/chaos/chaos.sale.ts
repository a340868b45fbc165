import pg from 'pg';
import type { ApiResult, SaleClient } from '../../bench/lib/sale';

/**
 * A flash sale as buyers run it: workers hold 1-2 seats from a hot block, pay a share of their holds
 * through the sandbox checkout and cancel some of the rest, while the test breaks something under
 * them. Every answer is classified: an HTTP answer with a JSON error is clean, no answer (or a 5xx
 * without the error body) is not.
 */
export interface SaleLog {
  attempts: number;
  held: number;
  /** Reservations whose confirm answered 200 confirmed: these must stay confirmed. */
  confirmedByApi: Set<string>;
  /** Confirm calls that never reached a final answer (the reconciler must settle them). */
  unsettledConfirms: number;
  outcomes: Record<string, number>;
  /** Answers that were not clean (no HTTP answer, or an error without a JSON error body). */
  unclean: string[];
}

export function newSaleLog(): SaleLog {
  return { attempts: 0, held: 0, confirmedByApi: new Set(), unsettledConfirms: 0, outcomes: {}, unclean: [] };
}

function classify(log: SaleLog, what: string, res: ApiResult): void {
  const key =
    res.status === 0
      ? `${what}:no-answer`
      : res.status < 300 || res.status === 303
        ? `${what}:${res.status}`
        : `${what}:${res.status}:${res.body?.error?.code ?? '?'}`;
  log.outcomes[key] = (log.outcomes[key] ?? 0) + 1;
  if (res.status === 0) log.unclean.push(`${what}: ${res.transportError}`);
  else if (res.status >= 400 && typeof res.body?.error?.code !== 'string')
    log.unclean.push(`${what}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
}

export interface SaleOptions {
  tokens: string[];
  eventId: string;
  seatIds: string[];
  workers: number;
  /** The sale stops taking new holds when this returns true. */
  done: () => boolean;
  payShare?: number;
  /** Longest a buyer keeps retrying one confirm (5xx, no answer, 202) before leaving it to the reconciler. */
  confirmRetryMs?: number;
}

export async function runSale(
  client: SaleClient,
  opts: SaleOptions,
  log: SaleLog = newSaleLog(),
): Promise<SaleLog> {
  let seed = 7;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  let next = 0;

  const pay = async (token: string, reservationId: string) => {
    const checkout = await client.sandboxCheckout(token, reservationId);
    if (!checkout.ok) {
      classify(log, `pay-${checkout.step}`, checkout.result);
      return;
    }
    // Retry safely: the confirm is idempotent, so a lost answer is simply asked again.
    const deadline = Date.now() + (opts.confirmRetryMs ?? 15_000);
    for (;;) {
      const res = await client.confirm(token, checkout.confirm);
      classify(log, 'confirm', res);
      if (res.status === 200 && res.body.reservation?.status === 'confirmed') {
        log.confirmedByApi.add(reservationId);
        return;
      }
      const retry = res.status === 0 || res.status >= 500 || res.status === 202;
      if (!retry) return;
      if (Date.now() > deadline) {
        log.unsettledConfirms++;
        return;
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  };

  await Promise.all(
    Array.from({ length: opts.workers }, async () => {
      while (!opts.done()) {
        const token = opts.tokens[next++ % opts.tokens.length]!;
        const first = rand(opts.seatIds.length - 1);
        const seats = opts.seatIds.slice(first, first + 1 + rand(2));
        log.attempts++;
        const res = await client.hold(token, opts.eventId, seats);
        classify(log, 'hold', res);
        if (res.status !== 201) {
          if (res.status === 0 || res.status >= 500) await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        log.held++;
        const reservationId = res.body.reservation.id as string;
        const roll = rand(100);
        if (roll < (opts.payShare ?? 0.6) * 100) await pay(token, reservationId);
        else if (roll % 2 === 0)
          classify(
            log,
            'cancel',
            await client.api('POST', `/api/reservations/${reservationId}/cancel`, { token }),
          );
      }
    }),
  );
  return log;
}

/** Reservations the API answered as confirmed that the database does not show confirmed: lost confirmations. */
export async function lostConfirmations(databaseUrl: string, log: SaleLog): Promise<string[]> {
  const ids = [...log.confirmedByApi];
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const rows = (
      await client.query<{ id: string; status: string }>(
        'select id, status from ticket.reservations where id = any($1)',
        [ids],
      )
    ).rows;
    const status = new Map(rows.map((r) => [r.id, r.status]));
    return ids.filter((id) => status.get(id) !== 'confirmed');
  } finally {
    await client.end();
  }
}
