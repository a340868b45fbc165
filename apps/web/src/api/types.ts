// Response shapes of the gateway routes the app uses (see the API issues and /api-docs).

export type EventStatus =
  'draft' | 'scheduled' | 'on_sale' | 'sold_out' | 'sale_closed' | 'ended' | 'cancelled';
export const CATEGORIES = [
  'concert',
  'musical',
  'theater',
  'sports',
  'exhibition',
  'classic',
  'family',
  'other',
] as const;
export type Category = (typeof CATEGORIES)[number];

export interface EventSummary {
  id: string;
  title: string;
  category: Category;
  artist?: string | null;
  venue?: string | null;
  venueName?: string | null;
  startsAt: string;
  saleStartsAt: string;
  saleEndsAt: string;
  status: EventStatus;
  posterUrl?: string | null;
  posterThumbUrl?: string | null;
  priceMin?: number | null;
  priceMax?: number | null;
  seatsTotal?: number;
  seatsAvailable?: number;
}

export interface EventList {
  items: EventSummary[];
  total: number;
  page: number;
  limit: number;
}

export interface SectionInfo {
  id: string;
  name: string;
  price: number;
  color?: string | null;
  kind?: 'seated' | 'standing';
  seatsTotal?: number;
  seatsAvailable?: number;
}

export interface EventDetail extends EventSummary {
  description?: string | null;
  venueAddress?: string | null;
  endsAt?: string | null;
  seatLimit?: number;
  holdMinutes?: number;
  refundPolicyId?: string | null;
  layout?: unknown;
  layoutVersion?: number;
  sections: SectionInfo[];
}

export type SeatStatus = 'available' | 'held' | 'sold' | 'blocked';

export interface Seat {
  id: string;
  section: string;
  sectionId?: string;
  row: string;
  number: number;
  label: string;
  price: number;
  status: SeatStatus;
  x: number;
  y: number;
  accessible?: boolean;
}

export interface SeatMap {
  eventId: string;
  version: number;
  seats: Seat[];
}

export interface ReservationSeat {
  id: string;
  label: string;
  section: string;
  row: string;
  number: number;
  price: number;
}

export type ReservationStatus =
  'pending' | 'confirmed' | 'expired' | 'cancelled' | 'refunded' | 'partially_refunded';

export interface Reservation {
  id: string;
  eventId: string;
  userId?: string;
  status: ReservationStatus;
  seats: ReservationSeat[];
  amount: number;
  currency?: string;
  expiresAt?: string | null;
  createdAt: string;
  paymentId?: string | null;
  /** When the venue's gate admitted its pass; a used ticket is not cancelled. */
  checkedInAt?: string | null;
  eventTitle?: string;
  eventStartsAt?: string;
  venueName?: string;
  event?: {
    id: string;
    title: string;
    startsAt?: string;
    venueName?: string;
    venue?: string;
    status?: string;
  };
  refundedAmount?: number;
}

export interface QueueState {
  status: 'waiting' | 'admitted' | 'closed' | 'not_queued' | string;
  position?: number;
  ahead?: number;
  etaSeconds?: number;
  token?: string;
  expiresAt?: string;
}

export interface PaymentMethodInfo {
  method: string;
  name: string;
  enabled: boolean;
}

export interface Payment {
  id: string;
  orderId: string;
  reservationId: string;
  amount: number;
  method: string;
  status: string;
  paidAt?: string | null;
  refundedAmount?: number;
}

export interface Checkout {
  type: 'redirect' | 'toss' | string;
  url?: string;
  clientKey?: string;
  orderId?: string;
  orderName?: string;
  amount?: number;
  customerKey?: string;
  successUrl?: string;
  failUrl?: string;
}

export interface RefundQuote {
  refundable: boolean;
  amount: number;
  fee: number;
  refundAmount: number;
  policy?: { id: string; name: string; rules?: unknown };
  reason?: string;
  /** Why no fee is taken: the organiser cancelled the event, or moved it after the payment. */
  feeWaived?: 'event_cancelled' | 'event_changed' | null;
}

/** GET /api/stats/dashboard and each `dashboard` message of the live feed (GET /api/stats/live). */
export interface StatsDashboard {
  revenue: { today: number; total: number; refundsToday: number };
  reservations: { today: number; total: number; confirmed: number; cancelled: number; expired: number };
  conversionRate: number;
  byPaymentMethod: Array<{ method: string; count: number; amount: number }>;
  hourly: Array<{ hour: string | number; revenue: number; count: number }>;
  topEvents: Array<{ eventId: string; title: string; seatsSold: number; revenue: number }>;
}

/** Live operations from the ticket service (GET /api/admin/dashboard/live). */
export interface LiveOps {
  queues: Array<{ eventId: string; title: string; waiting: number; inside: number }>;
  seatsHeld: number;
  /** Tickets sold per minute: seats in reservations confirmed during the last 60 seconds. */
  salesPerMinute: number;
}

export interface Dashboard extends StatsDashboard {
  /** null when the ticket service could not be asked. */
  live?: LiveOps | null;
  degraded?: string[];
}

/** A mail to a booking's buyer, as operators see it. */
export interface BookingMail {
  id: string;
  kind: 'confirmed' | 'refunded' | 'reminder' | 'changed';
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  createdAt: string;
  sentAt: string | null;
  nextAttemptAt: string | null;
  lastError: string | null;
}

export interface AuditEntry {
  id: string;
  actorId: string;
  actorEmail: string | null;
  action: string;
  before?: unknown;
  after?: unknown;
  occurredAt: string;
}

export interface AdminReservation {
  id: string;
  user: { id: string; email: string; name: string };
  event: { id: string; title: string };
  seats: Array<ReservationSeat | string> | number;
  amount: number;
  refundedAmount?: number;
  status: ReservationStatus;
  paymentMethod?: string | null;
  paymentId?: string | null;
  createdAt: string;
}

export interface QueueSettings {
  enabled?: boolean;
  mode?: 'off' | 'on' | 'auto';
  autoThreshold?: number | null;
  admissionsPerMinute?: number;
  maxInside?: number;
  sessionMinutes?: number;
  preQueueMinutes?: number;
}

export interface QueueFigures {
  settings: QueueSettings & { eventId: string; heartbeatTimeoutSeconds?: number };
  live: {
    active: boolean;
    closed: boolean;
    waiting: number;
    inside: number;
    admittedPerMinute: number;
    abandoned: number;
    oldestWaitSeconds: number;
  };
}

/** One event's row in the statistics (GET /api/stats/events). */
export interface EventFigures {
  eventId: string;
  title: string;
  startsAt: string | null;
  seatsTotal: number;
  seatsSold: number;
  revenue: number;
  refunds: number;
  conversionRate: number;
}

/** A saved venue (GET /api/venues): what a new event can start from. */
export interface VenueTemplate {
  id: string;
  name: string;
  address: string | null;
  seatsTotal: number;
  layout: unknown;
}

export interface AdminUser {
  id: string;
  email: string;
  name: string;
  phone: string | null;
  role: 'user' | 'admin';
  createdAt: string;
  lastLoginAt: string | null;
  closedAt: string | null;
}

export interface SeatPassSummary {
  seatId: string;
  label: string;
  code: string;
  checkedInAt: string | null;
}

export interface EntryPass {
  code: string;
  reservationId: string;
  event: { id: string; title: string; startsAt: string; venueName: string };
  seats: string[];
  /** Each seat's own pass: to enter apart, or to send a companion. */
  seatPasses: SeatPassSummary[];
  checkedInAt: string | null;
}

/** One seat's pass as whoever holds its code sees it (GET /api/passes/:code). */
export interface SeatPass {
  code: string;
  event: { id: string; title: string; startsAt: string; venueName: string };
  seat: string;
  checkedInAt: string | null;
}

export interface CheckInResult {
  reservationId: string;
  holder: string;
  event: { id: string; title: string; startsAt: string };
  seats: string[];
  checkedInAt: string;
}

/** A buyer's ask to be mailed once when seats of a sold-out event come back. */
export interface ReturnAlert {
  eventId: string;
  title: string;
  eventStatus: string;
  startsAt: string;
  venueName: string;
  createdAt: string;
  mailedAt: string | null;
}

/** A buyer's ask to be mailed before an event's sale opens. */
export interface SaleAlert {
  eventId: string;
  title: string;
  eventStatus: string;
  saleStartsAt: string;
  startsAt: string;
  venueName: string;
  createdAt: string;
  mailedAt: string | null;
  leadMinutes: number;
}

/** A payment's statement (GET /api/payments/:id/statement): charged, given back, and the net. */
export interface PaymentStatement {
  paymentId: string;
  orderId: string;
  orderName: string;
  method: string;
  currency: string;
  paidAt: string;
  seats: Array<{ label: string; price: number }>;
  amount: number;
  refunds: Array<{ amount: number; fee: number; seats: string[]; feeReturned: boolean; at: string }>;
  refundedAmount: number;
  net: number;
}
