import pg from 'pg';

/**
 * The one invariant checker for fault tests and benchmarks. It reads the ticket and payment schemas
 * (and the sandbox provider's ledger, plus any outside provider ledger given) straight from
 * PostgreSQL, never through the services under test, and reports every violation it finds.
 */
export interface ProviderLedgerEntry {
  orderId: string;
  /** Money taken at the provider (0 when never approved). */
  charged: number;
  /** Money given back by the provider. */
  cancelled: number;
}

export interface InvariantOptions {
  /** The expiry sweeper's period; a pending hold may outlive its expiry by this plus `slackMs`. */
  sweepIntervalMs?: number;
  slackMs?: number;
  /** Unpublished outbox rows older than this are a violation (the relay retries a failed publish after its 5 s lease). */
  outboxAgeMs?: number;
  /** Ledgers of outside providers (fakes) to hold against the payment books. */
  providerLedger?: ProviderLedgerEntry[];
  /** Payments still being settled (pending, needs_reconciliation, refund_pending, paid-not-confirmed) are a violation. */
  requireSettled?: boolean;
}

export interface InvariantReport {
  ok: boolean;
  violations: string[];
  figures: Record<string, number | string>;
}

const MONEY_STATUSES = ['paid', 'partially_refunded', 'refund_pending', 'refunded'];

export async function checkInvariants(
  databaseUrl: string,
  options: InvariantOptions = {},
): Promise<InvariantReport> {
  const graceMs = (options.sweepIntervalMs ?? 1_000) + (options.slackMs ?? 5_000);
  const outboxAgeMs = options.outboxAgeMs ?? 10_000;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const violations: string[] = [];
  const figures: Record<string, number | string> = {};
  const q = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) =>
    (await client.query<R>(text, values)).rows;
  const note = (what: string, rows: unknown[], show = 5) => {
    if (rows.length > 0) violations.push(`${what}: ${rows.length} (${JSON.stringify(rows.slice(0, show))})`);
  };
  try {
    // A seat in two active reservations: the oversell the unique index must make impossible.
    note(
      'seats in two active reservations',
      await q(
        `select seat_id, count(*)::int as n from ticket.reservation_seats where active group by seat_id having count(*) > 1`,
      ),
    );

    // seats.status follows the active reservation holding the seat.
    note(
      'seat status disagreeing with its reservation',
      await q(`
        select s.id, s.status, r.id as reservation_id, r.status as reservation_status
        from ticket.seats s
        left join ticket.reservation_seats rs on rs.seat_id = s.id and rs.active
        left join ticket.reservations r on r.id = rs.reservation_id
        where case
          when r.id is null then s.status not in ('available', 'blocked')
          when r.status = 'pending' then s.status <> 'held'
          when r.status in ('confirmed', 'partially_refunded') then s.status <> 'sold'
          else true
        end`),
    );

    // Every confirmed reservation: exactly one payment that took its money, the same amount, linked both ways.
    note(
      'confirmed reservations without exactly one matching payment',
      await q(
        `
        select r.id, r.amount, r.payment_id,
          (select count(*)::int from payment.payments p where p.reservation_id = r.id and p.status = any($1)) as money_payments,
          (select count(*)::int from payment.payments p where p.id = r.payment_id and p.status = any($1) and p.amount = r.amount) as matching
        from ticket.reservations r
        where r.status in ('confirmed', 'partially_refunded')
          and (
            (select count(*) from payment.payments p where p.id = r.payment_id and p.status = any($1) and p.amount = r.amount) <> 1
            or (select count(*) from payment.payments p where p.reservation_id = r.id and p.status in ('paid', 'partially_refunded')) <> 1
          )`,
        [MONEY_STATUSES],
      ),
    );

    // Every paid payment: its reservation is confirmed by it (else it must have been refunded).
    note(
      'paid payments without a confirmed reservation',
      await q(`
        select p.id, p.reservation_id, p.amount, r.status as reservation_status, r.payment_id
        from payment.payments p
        left join ticket.reservations r on r.id = p.reservation_id
        where p.status in ('paid', 'partially_refunded')
          and (r.id is null or r.status not in ('confirmed', 'partially_refunded') or r.payment_id is distinct from p.id)`),
    );

    // The provider's books against ours: money kept there is exactly what our payment says was kept.
    const sandbox = await q<ProviderLedgerEntry>(`
      select order_id as "orderId", case when status in ('DONE', 'PARTIAL_CANCELED', 'CANCELED') then amount else 0 end as charged,
             cancelled_amount as cancelled
      from payment.sandbox_payments`);
    const ledger = [...sandbox, ...(options.providerLedger ?? [])];
    const books = new Map(
      (
        await q<{ order_id: string; status: string; kept: number }>(
          `select order_id, status, case when status = any($1) then amount - refunded_amount else 0 end as kept from payment.payments`,
          [MONEY_STATUSES],
        )
      ).map((p) => [p.order_id, p]),
    );
    const mismatched = ledger
      .filter((e) => e.charged - e.cancelled !== (books.get(e.orderId)?.kept ?? 0))
      .map((e) => ({
        orderId: e.orderId,
        providerKept: e.charged - e.cancelled,
        booksKept: books.get(e.orderId)?.kept ?? null,
        status: books.get(e.orderId)?.status ?? null,
      }));
    note('provider money not matching the payment books (charge without ticket or refund)', mismatched);

    if (options.requireSettled ?? true) {
      note(
        'payments not settled',
        await q(`
          select id, status, reservation_confirmed_at is null as unconfirmed from payment.payments
          where status in ('pending', 'needs_reconciliation', 'refund_pending') or (status = 'paid' and reservation_confirmed_at is null)`),
      );
    }

    note(
      'pending holds overdue for the sweeper',
      await q(
        `
        select id, expires_at, payment_lease_until from ticket.reservations
        where status = 'pending' and expires_at < now() - make_interval(secs => $1)
          and (payment_lease_until is null or payment_lease_until < now() - make_interval(secs => $1))`,
        [graceMs / 1000],
      ),
    );

    const outboxSchemas = (
      await q<{ schema: string }>(
        `select table_schema as schema from information_schema.tables where table_name = 'outbox' order by 1`,
      )
    ).map((r) => r.schema);
    for (const schema of outboxSchemas) {
      const [row] = await q<{ stale: number; unpublished: number }>(
        `select count(*) filter (where created_at < now() - make_interval(secs => $1))::int as stale, count(*)::int as unpublished
         from ${client.escapeIdentifier(schema)}.outbox where published_at is null`,
        [outboxAgeMs / 1000],
      );
      figures[`${schema} outbox unpublished`] = row!.unpublished;
      if (row!.stale > 0)
        violations.push(`${schema} outbox: ${row!.stale} events unpublished for over ${outboxAgeMs} ms`);
    }

    for (const r of await q<{ status: string; n: number; amount: number }>(
      `select status, count(*)::int as n, coalesce(sum(amount), 0)::int as amount from ticket.reservations group by status order by 1`,
    )) {
      figures[`reservations ${r.status}`] = r.n;
      if (r.status === 'confirmed') figures['confirmed amount'] = r.amount;
    }
    for (const s of await q<{ status: string; n: number }>(
      `select status, count(*)::int as n from ticket.seats group by status order by 1`,
    ))
      figures[`seats ${s.status}`] = s.n;
    for (const p of await q<{ status: string; n: number }>(
      `select status, count(*)::int as n from payment.payments group by status order by 1`,
    ))
      figures[`payments ${p.status}`] = p.n;
    figures['provider money kept'] = ledger.reduce((sum, e) => sum + e.charged - e.cancelled, 0);
    figures['books money kept'] = [...books.values()].reduce((sum, p) => sum + Number(p.kept), 0);
  } finally {
    await client.end();
  }
  return { ok: violations.length === 0, violations, figures };
}

/** Prints a report the way the fault tests and benchmarks show it. */
export function printInvariants(title: string, report: InvariantReport): void {
  const lines = [`invariants after ${title}: ${report.ok ? 'PASS' : 'FAIL'}`];
  for (const [k, v] of Object.entries(report.figures)) lines.push(`  ${k.padEnd(36)} ${v}`);
  for (const v of report.violations) lines.push(`  VIOLATION ${v}`);
  console.log(lines.join('\n'));
}
