import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** The one error body every route returns (see @tiketi/platform error handler). */
export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'SCREAMING_SNAKE error code' }),
      message: Type.String(),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      requestId: Type.Optional(Type.String()),
    }),
  },
  { $id: 'ErrorBody' },
);
export type ErrorBody = Static<typeof ErrorBody>;

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    total: Type.Integer(),
    page: Type.Integer(),
    limit: Type.Integer(),
  });

export const Role = Type.Union([Type.Literal('user'), Type.Literal('admin')]);

export const PublicUser = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: Role,
  phone: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});
export type PublicUser = Static<typeof PublicUser>;

export const AuthResponse = Type.Object({
  user: PublicUser,
  accessToken: Type.String(),
  refreshToken: Type.String(),
});
export type AuthResponse = Static<typeof AuthResponse>;

export const TokenPair = Type.Object({ accessToken: Type.String(), refreshToken: Type.String() });

export const EVENT_CATEGORIES = [
  'concert',
  'musical',
  'theater',
  'sports',
  'exhibition',
  'classic',
  'family',
  'other',
] as const;
export type EventCategory = (typeof EVENT_CATEGORIES)[number];

export const EVENT_STATUSES = [
  'draft',
  'scheduled',
  'on_sale',
  'sold_out',
  'sale_closed',
  'ended',
  'cancelled',
] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

export const RESERVATION_STATUSES = [
  'pending',
  'confirmed',
  'expired',
  'cancelled',
  'refunded',
  'partially_refunded',
] as const;
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number];

export const PAYMENT_METHODS = ['sandbox', 'toss', 'kakaopay', 'naverpay'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];
