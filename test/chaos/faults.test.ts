import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { TossFake } from '../../services/payment/src/providers/fakes';
import { checkInvariants } from '../../bench/lib/invariants';
import {
  expectInvariants,
  OwnRedis,
  realServers,
  startChaos,
  SWEEP_INTERVAL_MS,
  undeliveredEvents,
  until,
  type ChaosRun,
} from './chaos.support';
import { lostConfirmations, newSaleLog, runSale } from './chaos.sale';
import { TOSS_KEYS, tossCheckout, tossConfirm, tossLedger } from './chaos.toss';
import { CLUSTER_ADMIN } from '../../bench/lib/sale';

/**
 * Faults in production mode: one cluster (auth, ticket, payment, gateway as separate processes) on
 * a fresh PostgreSQL database and a private Redis this file may stop, with Toss pointed at a fake.
 * Each scenario sells its own event, breaks something mid-sale, and ends with the invariant check.
 * (One cluster for all: starting five Node processes is most of the cost on a busy 2-core machine.)
 */
const servers = realServers();

describe.skipIf(!servers)('faults mid-sale (production mode)', () => {
  let run: ChaosRun | undefined;
  let redis: OwnRedis | undefined;
  let toss: TossFake | undefined;
  let tokens: string[] = [];

  beforeAll(async () => {
    try {
      redis = await OwnRedis.start();
      toss = await new TossFake(TOSS_KEYS.secret, TOSS_KEYS.client).start();
      run = await startChaos(
        'faults',
        { databaseUrl: servers!.databaseUrl, redisUrl: redis.url },
        {
          PAYMENT_TOSS_BASE_URL: toss.url,
          PAYMENT_TOSS_SECRET_KEY: TOSS_KEYS.secret,
          PAYMENT_TOSS_CLIENT_KEY: TOSS_KEYS.client,
          PAYMENT_PROVIDER_TIMEOUT_MS: '1000',
        },
      );
      toss.knobs.webhookUrl = `${run.cluster.urls.gateway}/api/payments/webhooks/toss`;
      tokens = await run.client.registerBuyers(40, 'chaos');
    } catch (err) {
      await run?.close();
      await toss?.close();
      await redis?.kill();
      throw err;
    }
  }, 180_000);

  afterAll(async () => {
    await run?.close();
    await toss?.close();
    await redis?.kill();
  });

  it('ticket and payment processes SIGKILLed mid-sale: no lost confirmation, no charge without a ticket, outbox delivered', async () => {
    const { client, cluster, adminToken, databaseUrl } = run!;
    const { eventId, seatIds } = await client.onSaleEvent(adminToken, {
      title: 'Kill mid-sale',
      rows: 3,
      perRow: 50,
      price: 55_000,
      seatLimit: 20,
    });
    let stop = false;
    const log = newSaleLog();
    const sale = runSale(
      client,
      { tokens, eventId, seatIds, workers: 12, done: () => stop, payShare: 0.7 },
      log,
    );
    try {
      await until(async () => expect(log.confirmedByApi.size).toBeGreaterThanOrEqual(8), 30_000);
      // Both at once, no graceful shutdown: open transactions, in-flight confirms and unpublished outbox rows are cut off.
      await Promise.all([cluster.kill('payment', 'SIGKILL'), cluster.kill('ticket', 'SIGKILL')]);
      await Promise.all([cluster.start('payment'), cluster.start('ticket')]);
      const after = log.confirmedByApi.size;
      await until(async () => expect(log.confirmedByApi.size).toBeGreaterThanOrEqual(after + 5), 30_000);
    } finally {
      stop = true;
      await sale;
    }
    console.log(
      'sale through SIGKILLs:',
      JSON.stringify({
        attempts: log.attempts,
        held: log.held,
        confirmed: log.confirmedByApi.size,
        outcomes: log.outcomes,
      }),
    );
    expect(log.unclean).toEqual([]);
    expect(await lostConfirmations(databaseUrl, log)).toEqual([]);
    await expectInvariants('SIGKILL of ticket and payment mid-sale', databaseUrl);
    // Delivered, not only published. An event the killed ticket process had read but not acknowledged
    // waits in its consumer's pending list until the bus claims it for a live consumer (30 s idle).
    await until(
      async () =>
        expect(
          await undeliveredEvents(
            databaseUrl,
            'payment',
            ['payment.paid', 'payment.refunded'],
            'ticket',
            'ticket.booking-payments',
          ),
        ).toEqual([]),
      45_000,
      1_000,
    );
  }, 120_000);

  it('PostgreSQL connections terminated mid-transaction: clean errors, safe retries, invariants hold', async () => {
    const { client, adminToken, databaseUrl } = run!;
    const { eventId, seatIds } = await client.onSaleEvent(adminToken, {
      title: 'Terminated connections',
      rows: 3,
      perRow: 50,
      price: 44_000,
      seatLimit: 20,
    });
    const dbName = new URL(databaseUrl).pathname.slice(1);
    const killer = new pg.Client({ connectionString: databaseUrl });
    await killer.connect();
    let stop = false;
    const log = newSaleLog();
    const sale = runSale(
      client,
      { tokens, eventId, seatIds, workers: 12, done: () => stop, payShare: 0.6 },
      log,
    );
    let terminated = 0;
    try {
      await until(async () => expect(log.held).toBeGreaterThanOrEqual(5), 30_000);
      for (let i = 0; i < 4; i++) {
        const res = await killer.query(
          'select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
          [dbName],
        );
        terminated += res.rows[0].n as number;
        const held = log.held;
        await until(async () => expect(log.held).toBeGreaterThan(held), 20_000, 100);
      }
      const confirmed = log.confirmedByApi.size;
      await until(async () => expect(log.confirmedByApi.size).toBeGreaterThan(confirmed), 20_000);
    } finally {
      stop = true;
      await sale;
      await killer.end();
    }
    console.log(
      'sale through pg_terminate_backend:',
      JSON.stringify({
        terminated,
        attempts: log.attempts,
        held: log.held,
        confirmed: log.confirmedByApi.size,
        outcomes: log.outcomes,
      }),
    );
    expect(terminated).toBeGreaterThan(0);
    // Every request got an answer within the client's limit (no hang), errors as JSON.
    expect(log.unclean).toEqual([]);
    expect(await lostConfirmations(databaseUrl, log)).toEqual([]);
    await expectInvariants('pg_terminate_backend mid-sale', databaseUrl);
  }, 120_000);

  it('the provider slow, timing out, dropping answers, answering twice: reconciliation settles everything', async () => {
    const { client, adminToken, databaseUrl } = run!;
    const fake = toss!;
    const { eventId, seatIds } = await client.onSaleEvent(adminToken, {
      title: 'Provider faults',
      rows: 1,
      perRow: 40,
      price: 33_000,
      seatLimit: 20,
    });
    const chargesBefore = fake.charges();
    const buyers = tokens.slice(0, 16);
    const holds = await Promise.all(
      buyers.map(async (token, i) => {
        const res = await client.hold(token, eventId, [seatIds[i]!]);
        expect(res.status, JSON.stringify(res.body)).toBe(201);
        return { token, reservationId: res.body.reservation.id as string };
      }),
    );
    const pay = async (h: (typeof holds)[number], twice = false) => {
      const body = await tossCheckout(client, fake, h.token, h.reservationId);
      const answers = await Promise.all((twice ? [1, 2] : [1]).map(() => tossConfirm(client, h.token, body)));
      for (const a of answers) expect([200, 202], JSON.stringify(a.body)).toContain(a.status);
      return answers;
    };

    // Slow beyond the payment service's timeout: the outcome is unknown (202), never "failed".
    fake.knobs.latencyMs = 1_500;
    const slow = await Promise.all(holds.slice(0, 4).map((h) => pay(h)));
    expect(slow.flat().some((a) => a.status === 202)).toBe(true);
    fake.knobs.latencyMs = 0;
    // The money moves, the answer is lost.
    for (const h of holds.slice(4, 7)) {
      fake.knobs.dropAfterCharge = true;
      await pay(h);
    }
    // A 500 before anything moved: unknown as well; the reconciler confirms again with the same key.
    for (const h of holds.slice(7, 10)) {
      fake.knobs.forceError = {
        operation: 'confirm',
        code: 'FAILED_INTERNAL_SYSTEM_PROCESSING',
        status: 500,
      };
      await pay(h);
    }
    // Answering twice: two webhooks per change, and the buyer's page confirming twice at once.
    fake.knobs.webhookCopies = 2;
    await Promise.all(holds.slice(10).map((h) => pay(h, true)));

    // Everything settles: every reservation paid exactly once and confirmed.
    await until(
      async () => {
        const c = new pg.Client({ connectionString: databaseUrl });
        await c.connect();
        try {
          const rows = (
            await c.query('select status from ticket.reservations where id = any($1)', [
              holds.map((h) => h.reservationId),
            ])
          ).rows;
          expect(rows.map((r) => r.status)).toEqual(holds.map(() => 'confirmed'));
        } finally {
          await c.end();
        }
      },
      30_000,
      500,
    );
    expect(fake.charges() - chargesBefore).toBe(holds.length);
    fake.knobs.webhookCopies = 1;
    await expectInvariants('provider slow, timing out and answering twice', databaseUrl, {
      providerLedger: tossLedger(fake),
    });
  }, 120_000);

  it('Redis stopped and restarted mid flash sale: no double sale, sales continue on PostgreSQL, holds and queue recover', async () => {
    const { client, adminToken, databaseUrl } = run!;
    const { eventId, seatIds } = await client.onSaleEvent(adminToken, {
      title: 'Redis restart',
      rows: 3,
      perRow: 50,
      price: 66_000,
      seatLimit: 20,
    });
    let stop = false;
    const log = newSaleLog();
    const sale = runSale(
      client,
      { tokens, eventId, seatIds, workers: 12, done: () => stop, payShare: 0.5 },
      log,
    );
    let heldWhileDown: number | undefined;
    let killedAt: Date | undefined;
    let restartedAt: Date | undefined;
    let confirmedWhileDown: number | undefined;
    try {
      await until(async () => expect(log.held).toBeGreaterThanOrEqual(10), 30_000);
      await redis!.kill();
      killedAt = new Date();
      const held = log.held;
      const confirmed = log.confirmedByApi.size;
      // Sales continue on PostgreSQL alone: holds and payments still go through.
      await until(async () => {
        expect(log.held).toBeGreaterThanOrEqual(held + 10);
        expect(log.confirmedByApi.size).toBeGreaterThanOrEqual(confirmed + 3);
      }, 40_000);
      heldWhileDown = log.held - held;
      confirmedWhileDown = log.confirmedByApi.size - confirmed;
      // Browsing and sign-in go on too: the catalogue answers from PostgreSQL, the login throttle fails open.
      const listed = await client.api('GET', '/api/events?limit=100');
      expect(listed.status, JSON.stringify(listed.body)).toBe(200);
      expect(listed.body.items.map((e: { id: string }) => e.id)).toContain(eventId);
      expect((await client.api('GET', `/api/events/${eventId}`)).status).toBe(200);
      const signIn = await client.api('POST', '/api/auth/login', { body: CLUSTER_ADMIN });
      expect(signIn.status, JSON.stringify(signIn.body)).toBe(200);
      const wrong = await client.api('POST', '/api/auth/login', {
        body: { email: 'nobody@chaos.tiketi.test', password: 'not-a-password' },
      });
      expect(wrong.status, JSON.stringify(wrong.body)).toBe(401);
      await redis!.start();
      restartedAt = new Date();
      const after = log.held;
      await until(async () => expect(log.held).toBeGreaterThanOrEqual(after + 10), 30_000);
    } finally {
      stop = true;
      await sale;
    }
    console.log(
      'sale through a Redis restart:',
      JSON.stringify({
        heldWhileDown,
        confirmedWhileDown,
        attempts: log.attempts,
        held: log.held,
        confirmed: log.confirmedByApi.size,
        outcomes: log.outcomes,
      }),
    );
    expect(log.unclean).toEqual([]);
    expect(await lostConfirmations(databaseUrl, log)).toEqual([]);

    // Holds recover their fast path: a new hold claims its seat in the restarted Redis again. Each
    // replica reconnects on its own backoff (up to 2 s), so a hold right after the restart may still
    // go through PostgreSQL alone; try further seats (and buyers) until one lands in Redis.
    let attempt = 0;
    const fresh = await until(
      async () => {
        const seats = (await client.api('GET', `/api/events/${eventId}/seats`)).body.seats as {
          id: string;
          status: string;
        }[];
        const free = seats.find((s) => s.status === 'available');
        expect(free, 'a free seat left to hold').toBeDefined();
        const buyer = tokens[tokens.length - 1 - (attempt++ % 10)]!;
        const res = await client.hold(buyer, eventId, [free!.id]);
        expect(res.status, JSON.stringify(res.body)).toBe(201);
        expect(redis!.cli('--scan', '--pattern', `*ticket:hold:${eventId}:${free!.id}`)).not.toBe('');
        return res;
      },
      20_000,
      300,
    );
    expect(fresh.body.reservation.status).toBe('pending');

    // The waiting room works again on the empty Redis: buyers join and get a place or an admission.
    const queued = await client.onSaleEvent(adminToken, {
      title: 'Queue after restart',
      rows: 1,
      perRow: 10,
      price: 10_000,
    });
    const put = await client.api('PUT', `/api/admin/events/${queued.eventId}/queue`, {
      token: adminToken,
      body: { mode: 'on', admissionsPerMinute: 600, maxInside: 2 },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const joined = await Promise.all(
      tokens.slice(0, 5).map((token) =>
        until(async () => {
          const res = await client.api('POST', `/api/queue/${queued.eventId}/join`, { token });
          expect(res.status, JSON.stringify(res.body)).toBe(200);
          // Another ticket replica may still hold the queue settings from before the PUT (its room
          // cache lives 2 s) and answer "none" meanwhile: that is settings propagation, not recovery.
          expect(['waiting', 'admitted'], JSON.stringify(res.body)).toContain(res.body.status);
          return res.body;
        }),
      ),
    );
    for (const j of joined) expect(['waiting', 'admitted']).toContain(j.status);
    // The ticker admits again (maxInside 2): two buyers get an admission token, three keep waiting.
    await until(async () => {
      const now = await Promise.all(
        tokens
          .slice(0, 5)
          .map(
            async (token) => (await client.api('GET', `/api/queue/${queued.eventId}/status`, { token })).body,
          ),
      );
      expect(now.filter((q) => q.status === 'admitted' && typeof q.token === 'string')).toHaveLength(2);
      expect(
        now
          .filter((q) => q.status === 'waiting')
          .map((q) => q.position)
          .sort(),
      ).toEqual([1, 2, 3]);
    }, 20_000);

    // Earlier cases in this database paid through the Toss fake: its ledger joins the sandbox's.
    await expectInvariants('Redis stopped and restarted mid-sale', databaseUrl, {
      providerLedger: tossLedger(toss!),
    });
    // Events written while Redis was down and after it came back empty (stream and consumer groups lost) still arrive.
    // An event is dated by when it was handed to the bus (the outbox relay), so one dated after the
    // kill went to the new Redis, or was sent again to it.
    const outage = `Redis killed ${killedAt?.toISOString()}, answering again ${restartedAt?.toISOString()}`;
    await until(
      async () =>
        expect(
          await undeliveredEvents(
            databaseUrl,
            'payment',
            ['payment.paid', 'payment.refunded'],
            'ticket',
            'ticket.booking-payments',
            killedAt,
          ),
          outage,
        ).toEqual([]),
      20_000,
    );
  }, 150_000);

  it('the checker itself reports a broken database (so a pass above means something)', async () => {
    const { databaseUrl } = run!;
    const c = new pg.Client({ connectionString: databaseUrl });
    await c.connect();
    try {
      const sold = (
        await c.query(
          `select seat_id from ticket.reservation_seats rs join ticket.reservations r on r.id = rs.reservation_id where r.status = 'confirmed' and rs.active limit 1`,
        )
      ).rows[0];
      // A sold seat shown as available, and money taken at the provider that our books never recorded.
      await c.query(`update ticket.seats set status = 'available' where id = $1`, [sold.seat_id]);
      await c.query(
        `insert into payment.sandbox_payments (payment_key, order_id, amount, order_name, success_url, fail_url, status) values ('sbx_orphan', 'ord_orphan', 1000, 'x', 'http://x', 'http://x', 'DONE')`,
      );
      const broken = await checkInvariants(databaseUrl, {
        sweepIntervalMs: SWEEP_INTERVAL_MS,
        providerLedger: tossLedger(toss!),
      });
      expect(broken.violations.join('\n')).toMatch(/seat status disagreeing/);
      expect(broken.violations.join('\n')).toMatch(/provider money not matching.*ord_orphan/);
      await c.query(`update ticket.seats set status = 'sold' where id = $1`, [sold.seat_id]);
      await c.query(`delete from payment.sandbox_payments where order_id = 'ord_orphan'`);
      await expectInvariants('the broken rows repaired', databaseUrl, { providerLedger: tossLedger(toss!) });
    } finally {
      await c.end();
    }
  });
});
