import { Type, type Static } from '@sinclair/typebox';

/**
 * A venue layout document. The compact form covers most halls:
 * `{"sections":[{"name":"VIP","price":150000,"rows":[{"label":"A","seats":20}]}]}`; the full form
 * lists seats one by one with coordinates and flags. Standing areas have a capacity, no rows.
 */
export const LayoutSeat = Type.Object(
  {
    number: Type.Integer({ minimum: 1, maximum: 100000 }),
    label: Type.Optional(
      Type.String({ minLength: 1, maxLength: 40, description: 'defaults to "<section> <row>-<number>"' }),
    ),
    x: Type.Optional(Type.Number()),
    y: Type.Optional(Type.Number()),
    accessible: Type.Optional(Type.Boolean()),
    companion: Type.Optional(Type.Boolean()),
    blocked: Type.Optional(Type.Boolean({ description: 'not for sale (house seats, camera positions)' })),
  },
  { additionalProperties: false },
);

export const LayoutRow = Type.Object(
  {
    label: Type.String({ minLength: 1, maxLength: 10 }),
    seats: Type.Union(
      [Type.Integer({ minimum: 0, maximum: 2000 }), Type.Array(LayoutSeat, { maxItems: 2000 })],
      {
        description: 'a seat count (numbered from `start`) or the seats one by one',
      },
    ),
    start: Type.Optional(
      Type.Integer({ minimum: 1, description: 'first seat number in the compact form (default 1)' }),
    ),
    accessible: Type.Optional(
      Type.Array(Type.Integer({ minimum: 1 }), { description: 'compact form: accessible seat numbers' }),
    ),
    companion: Type.Optional(
      Type.Array(Type.Integer({ minimum: 1 }), { description: 'compact form: companion seat numbers' }),
    ),
    blocked: Type.Optional(
      Type.Array(Type.Integer({ minimum: 1 }), { description: 'compact form: blocked seat numbers' }),
    ),
  },
  { additionalProperties: false },
);

export const LayoutSection = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 60 }),
    price: Type.Integer({ minimum: 0, description: 'KRW' }),
    color: Type.Optional(Type.String({ pattern: '^#[0-9a-fA-F]{6}$' })),
    kind: Type.Optional(Type.Union([Type.Literal('seated'), Type.Literal('standing')])),
    capacity: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 100000, description: 'standing areas only' }),
    ),
    rows: Type.Optional(Type.Array(LayoutRow, { maxItems: 1000 })),
  },
  { additionalProperties: false },
);

export const Layout = Type.Object(
  {
    version: Type.Optional(Type.Integer({ minimum: 1, description: 'document format version (1)' })),
    sections: Type.Array(LayoutSection, { maxItems: 200 }),
  },
  { additionalProperties: false, description: 'seat map layout document' },
);
export type Layout = Static<typeof Layout>;
export type LayoutSection = Static<typeof LayoutSection>;
