import { ServiceClient } from '@tiketi/platform';

export interface TicketReservation {
  id: string;
  eventId: string;
  userId: string;
  userEmail?: string;
  userName?: string;
  status: string;
  amount: number;
  currency: string;
  seats: Array<{ id: string; label: string; section?: string; row?: string; number?: number; price: number }>;
  expiresAt: string | null;
  createdAt: string;
  paymentId: string | null;
  /** When the venue's gate admitted it (a used ticket is not refunded by its buyer). */
  checkedInAt?: string | null;
}

export interface TicketReservationView {
  reservation: TicketReservation;
  event: {
    id: string;
    title: string;
    startsAt: string;
    venueName?: string;
    status: string;
    refundPolicyId?: string;
  };
}

/** The ticket service's internal reservation API (booking area). */
export class TicketClient {
  private readonly client: ServiceClient;

  constructor(baseUrl: string, internalToken: string) {
    this.client = new ServiceClient(baseUrl, internalToken, 'ticket');
  }

  reservation(id: string): Promise<TicketReservationView> {
    return this.client.call(`/internal/reservations/${encodeURIComponent(id)}`);
  }

  paymentStarted(
    id: string,
    paymentId: string,
    ttlSeconds: number,
  ): Promise<{ reservation: TicketReservation }> {
    return this.client.call(`/internal/reservations/${encodeURIComponent(id)}/payment-started`, {
      method: 'POST',
      body: { paymentId, ttlSeconds },
    });
  }

  async paymentReleased(id: string, paymentId: string): Promise<void> {
    await this.client.call(`/internal/reservations/${encodeURIComponent(id)}/payment-released`, {
      method: 'POST',
      body: { paymentId },
    });
  }

  confirm(id: string, paymentId: string): Promise<{ reservation: TicketReservation }> {
    return this.client.call(`/internal/reservations/${encodeURIComponent(id)}/confirm`, {
      method: 'POST',
      body: { paymentId },
    });
  }

  /**
   * Before the provider is asked for a refund: the gate stops admitting the ticket until the
   * refund is reported (or released). 409 TICKET_USED when the gate admitted it first and the
   * refund may not take a used ticket.
   */
  async claimForRefund(id: string, refundId: string, usedTicketOk: boolean): Promise<void> {
    await this.client.call(`/internal/reservations/${encodeURIComponent(id)}/refund-claim`, {
      method: 'POST',
      body: { refundId, usedTicketOk },
    });
  }

  /** A refund that ended without money back gives the ticket back to its holder. */
  async releaseRefundClaim(id: string, refundId: string): Promise<void> {
    await this.client.call(
      `/internal/reservations/${encodeURIComponent(id)}/refund-claim/${encodeURIComponent(refundId)}`,
      { method: 'DELETE' },
    );
  }

  /** scope "money": the reservation's refunded amount becomes refundedTotal and every seat stays sold. */
  refunded(
    id: string,
    paymentId: string,
    amount: number,
    opts: {
      seatIds?: string[];
      scope?: 'all' | 'seats' | 'money';
      refundedTotal?: number;
      refundId?: string;
    } = {},
  ): Promise<{ reservation: TicketReservation }> {
    const { seatIds, scope, refundedTotal, refundId } = opts;
    return this.client.call(`/internal/reservations/${encodeURIComponent(id)}/refunded`, {
      method: 'POST',
      body: {
        paymentId,
        amount,
        ...(seatIds ? { seatIds } : {}),
        ...(scope ? { scope } : {}),
        ...(refundedTotal !== undefined ? { refundedTotal } : {}),
        ...(refundId ? { refundId } : {}),
      },
    });
  }
}
