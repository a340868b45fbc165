import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { newId } from '@tiketi/platform';

/**
 * TEST DOUBLE of the ticket service's internal reservation API (contracts: GET /internal/reservations/:id,
 * payment-started, payment-released, confirm, refunded, refund-claim and its release), so the payment service can be tested alone.
 * The real one lives in services/ticket (booking area); the end-to-end test uses that.
 */
export interface DoubleReservation {
  id: string;
  eventId: string;
  userId: string;
  status: 'pending' | 'confirmed' | 'expired' | 'cancelled' | 'refunded' | 'partially_refunded';
  amount: number;
  currency: 'KRW';
  seats: Array<{ id: string; label: string; section: string; row: string; number: number; price: number }>;
  expiresAt: string;
  createdAt: string;
  paymentId: string | null;
  leaseUntil: number | null;
  returnedSeatIds: string[];
  /** When the venue's gate admitted it. */
  checkedInAt: string | null;
  /** The refund that claimed it (the gate refuses it meanwhile). */
  refundClaim: string | null;
}

export interface DoubleEvent {
  id: string;
  title: string;
  startsAt: string;
  venueName: string;
  status: string;
  refundPolicyId: string;
}

export class TicketInternalDouble {
  url = '';
  readonly app: FastifyInstance = Fastify({ logger: false, forceCloseConnections: true });
  readonly reservations = new Map<string, DoubleReservation>();
  readonly events = new Map<string, DoubleEvent>();
  readonly calls: Array<{ op: string; id: string; body: any }> = [];

  constructor(private readonly internalToken: string) {}

  addEvent(overrides: Partial<DoubleEvent> = {}): DoubleEvent {
    const event: DoubleEvent = {
      id: newId('evt'),
      title: 'Double Concert',
      startsAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      venueName: 'Hall',
      status: 'published',
      refundPolicyId: 'standard',
      ...overrides,
    };
    this.events.set(event.id, event);
    return event;
  }

  addReservation(
    userId: string,
    options: { event?: DoubleEvent; prices?: number[]; expiresInMs?: number } = {},
  ): DoubleReservation {
    const event = options.event ?? this.addEvent();
    const prices = options.prices ?? [55_000, 45_000];
    const seats = prices.map((price, i) => ({
      id: newId('seat'),
      label: `A-${i + 1}`,
      section: 'A',
      row: 'A',
      number: i + 1,
      price,
    }));
    const r: DoubleReservation = {
      id: newId('rsv'),
      eventId: event.id,
      userId,
      status: 'pending',
      amount: prices.reduce((a, b) => a + b, 0),
      currency: 'KRW',
      seats,
      expiresAt: new Date(Date.now() + (options.expiresInMs ?? 600_000)).toISOString(),
      createdAt: new Date().toISOString(),
      paymentId: null,
      leaseUntil: null,
      returnedSeatIds: [],
      checkedInAt: null,
      refundClaim: null,
    };
    this.reservations.set(r.id, r);
    return r;
  }

  /** What the ticket expiry sweeper would do (it skips reservations under a payment lease). */
  expire(id: string, ignoreLease = false): boolean {
    const r = this.reservations.get(id)!;
    if (r.status !== 'pending') return false;
    if (!ignoreLease && r.leaseUntil && r.leaseUntil > Date.now()) return false;
    r.status = 'expired';
    return true;
  }

  /** What the real gate does: admits an unclaimed paid ticket once. */
  checkIn(id: string): boolean {
    const r = this.reservations.get(id)!;
    if (r.checkedInAt || r.refundClaim || (r.status !== 'confirmed' && r.status !== 'partially_refunded'))
      return false;
    r.checkedInAt = new Date().toISOString();
    return true;
  }

  count(op: string, id?: string): number {
    return this.calls.filter((c) => c.op === op && (!id || c.id === id)).length;
  }

  private err(reply: FastifyReply, status: number, code: string) {
    return reply.status(status).send({ error: { code, message: code } });
  }

  async start(): Promise<this> {
    const app = this.app;
    app.addHook('onRequest', async (request, reply) => {
      if (request.headers['x-internal-token'] !== this.internalToken)
        return this.err(reply, 403, 'INTERNAL_ONLY');
    });
    const view = (r: DoubleReservation) => {
      const { leaseUntil: _l, returnedSeatIds: _s, refundClaim: _c, ...rest } = r;
      return { ...rest, userEmail: `${r.userId}@test.tiketi`, userName: 'Buyer' };
    };
    const find = (id: string) => this.reservations.get(id);
    app.get('/internal/reservations/:id', async (request, reply) => {
      const r = find((request.params as any).id);
      if (!r) return this.err(reply, 404, 'RESERVATION_NOT_FOUND');
      return { reservation: view(r), event: this.events.get(r.eventId) };
    });
    app.post('/internal/reservations/:id/payment-started', async (request, reply) => {
      const r = find((request.params as any).id);
      const body = request.body as { paymentId: string; ttlSeconds: number };
      this.calls.push({ op: 'payment-started', id: (request.params as any).id, body });
      if (!r) return this.err(reply, 404, 'RESERVATION_NOT_FOUND');
      if (r.status === 'confirmed') return this.err(reply, 409, 'RESERVATION_NOT_PENDING');
      if (r.status !== 'pending' || new Date(r.expiresAt).getTime() < Date.now())
        return this.err(reply, 409, 'RESERVATION_EXPIRED');
      r.leaseUntil = Date.now() + body.ttlSeconds * 1000;
      return { reservation: view(r) };
    });
    app.post('/internal/reservations/:id/payment-released', async (request, reply) => {
      const r = find((request.params as any).id);
      this.calls.push({ op: 'payment-released', id: (request.params as any).id, body: request.body });
      if (r) r.leaseUntil = null;
      return reply.status(204).send();
    });
    app.post('/internal/reservations/:id/confirm', async (request, reply) => {
      const r = find((request.params as any).id);
      const body = request.body as { paymentId: string };
      this.calls.push({ op: 'confirm', id: (request.params as any).id, body });
      if (!r) return this.err(reply, 404, 'RESERVATION_NOT_FOUND');
      if (r.status === 'confirmed' && r.paymentId === body.paymentId) return { reservation: view(r) };
      if (r.status !== 'pending') return this.err(reply, 409, 'RESERVATION_EXPIRED');
      r.status = 'confirmed';
      r.paymentId = body.paymentId;
      r.leaseUntil = null;
      return { reservation: view(r) };
    });
    app.post('/internal/reservations/:id/refund-claim', async (request, reply) => {
      const r = find((request.params as any).id);
      const body = request.body as { refundId: string; usedTicketOk?: boolean };
      this.calls.push({ op: 'refund-claim', id: (request.params as any).id, body });
      if (!r) return this.err(reply, 404, 'RESERVATION_NOT_FOUND');
      if (r.checkedInAt && !body.usedTicketOk && r.refundClaim !== body.refundId)
        return this.err(reply, 409, 'TICKET_USED');
      r.refundClaim = body.refundId;
      return reply.status(204).send();
    });
    app.delete('/internal/reservations/:id/refund-claim/:refundId', async (request, reply) => {
      const { id, refundId } = request.params as { id: string; refundId: string };
      const r = find(id);
      this.calls.push({ op: 'refund-claim-released', id, body: { refundId } });
      if (r && r.refundClaim === refundId) r.refundClaim = null;
      return reply.status(204).send();
    });
    app.post('/internal/reservations/:id/refunded', async (request, reply) => {
      const r = find((request.params as any).id);
      const body = request.body as {
        paymentId: string;
        amount: number;
        seatIds?: string[];
        scope?: string;
        refundId?: string;
      };
      this.calls.push({ op: 'refunded', id: (request.params as any).id, body });
      if (!r) return this.err(reply, 404, 'RESERVATION_NOT_FOUND');
      if (body.refundId && r.refundClaim === body.refundId) r.refundClaim = null;
      if (body.scope === 'money') {
        r.status = 'partially_refunded';
      } else if (body.seatIds) {
        r.returnedSeatIds.push(...body.seatIds);
        r.status = 'partially_refunded';
      } else {
        r.returnedSeatIds = r.seats.map((s) => s.id);
        r.status = 'refunded';
      }
      return { reservation: view(r) };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    this.url = `http://127.0.0.1:${(address as { port: number }).port}`;
    return this;
  }

  close(): Promise<void> {
    return this.app.close();
  }
}
