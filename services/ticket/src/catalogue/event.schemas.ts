import { Type, type Static } from '@sinclair/typebox';
import { EVENT_CATEGORIES, EVENT_STATUSES } from '@tiketi/contracts';
import { Layout } from './layout.schemas';

const literals = <T extends readonly string[]>(values: T, options = {}) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  );

export const Category = literals(EVENT_CATEGORIES);
export const Status = literals(EVENT_STATUSES);
const DateTime = Type.String({ format: 'date-time' });
const NullableString = Type.Union([Type.String(), Type.Null()]);

export const SectionView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  price: Type.Integer(),
  color: Type.String(),
  kind: Type.String(),
  capacity: Type.Union([Type.Integer(), Type.Null()]),
  seatsTotal: Type.Integer(),
  seatsAvailable: Type.Integer(),
});

export const EventSummary = Type.Object({
  id: Type.String(),
  title: Type.String(),
  category: Type.String(),
  artist: Type.String(),
  venue: Type.String(),
  venueAddress: Type.String(),
  startsAt: Type.String(),
  endsAt: Type.String(),
  saleStartsAt: Type.String(),
  saleEndsAt: Type.String(),
  status: Type.String(),
  posterUrl: NullableString,
  posterThumbUrl: NullableString,
  priceMin: Type.Union([Type.Integer(), Type.Null()]),
  priceMax: Type.Union([Type.Integer(), Type.Null()]),
  seatsTotal: Type.Integer(),
  seatsAvailable: Type.Integer(),
});
export type EventSummary = Static<typeof EventSummary>;

export const EventDetail = Type.Object({
  ...EventSummary.properties,
  description: Type.String(),
  venueId: NullableString,
  venueName: Type.String(),
  seatLimit: Type.Integer(),
  holdMinutes: Type.Integer(),
  refundPolicyId: Type.String(),
  layoutVersion: Type.Integer(),
  publishedAt: NullableString,
  cancelledAt: NullableString,
  createdAt: Type.String(),
  updatedAt: Type.String(),
  sections: Type.Array(SectionView),
  layout: Type.Optional(Type.Union([Layout, Type.Null()], { description: 'admins only' })),
});
export type EventDetail = Static<typeof EventDetail>;

export const EventListQuery = Type.Object({
  q: Type.Optional(
    Type.String({
      maxLength: 100,
      description: 'title, artist or venue; typo-tolerant; Korean/English aliases',
    }),
  ),
  category: Type.Optional(Category),
  venue: Type.Optional(Type.String({ maxLength: 100, description: 'venue name (contains) or venue id' })),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'starts at or after' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'starts at or before' })),
  status: Type.Optional(Status),
  sort: Type.Optional(literals(['relevance', 'date', 'date_desc', 'sale', 'title', 'created'] as const)),
  page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, default: 20, description: 'capped at 100' })),
});
export type EventListQuery = Static<typeof EventListQuery>;

export const EventList = Type.Object({
  items: Type.Array(EventSummary),
  total: Type.Integer(),
  page: Type.Integer(),
  limit: Type.Integer(),
});

const editable = {
  title: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.String({ maxLength: 20000 }),
  category: Category,
  artist: Type.String({ maxLength: 200 }),
  venueName: Type.String({ minLength: 1, maxLength: 200 }),
  venueAddress: Type.String({ maxLength: 500 }),
  startsAt: DateTime,
  endsAt: DateTime,
  saleStartsAt: DateTime,
  saleEndsAt: DateTime,
  seatLimit: Type.Integer({ minimum: 1, maximum: 20 }),
  holdMinutes: Type.Integer({ minimum: 1, maximum: 60 }),
  refundPolicyId: Type.String({ minLength: 1, maxLength: 60 }),
  venueId: Type.String({
    description: 'venue template: its name, address and layout are used unless given here',
  }),
  layout: Layout,
};

export const CreateEventBody = Type.Object(
  {
    title: editable.title,
    category: editable.category,
    startsAt: editable.startsAt,
    endsAt: editable.endsAt,
    saleStartsAt: editable.saleStartsAt,
    saleEndsAt: editable.saleEndsAt,
    description: Type.Optional(editable.description),
    artist: Type.Optional(editable.artist),
    venueName: Type.Optional(editable.venueName),
    venueAddress: Type.Optional(editable.venueAddress),
    seatLimit: Type.Optional(editable.seatLimit),
    holdMinutes: Type.Optional(editable.holdMinutes),
    refundPolicyId: Type.Optional(editable.refundPolicyId),
    venueId: Type.Optional(editable.venueId),
    layout: Type.Optional(editable.layout),
  },
  { additionalProperties: false },
);
export type CreateEventBody = Static<typeof CreateEventBody>;

export const UpdateEventBody = Type.Partial(
  Type.Object({
    ...editable,
    correction: Type.Boolean({
      description:
        'the edit corrects a mistake (a misspelt venue, a wrong minute) and the event has not moved: its buyers are not mailed a change and no fee-free cancellation follows; kept in the audit log',
    }),
  }),
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateEventBody = Static<typeof UpdateEventBody>;

export const CancelEventBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);

export const EventIdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
