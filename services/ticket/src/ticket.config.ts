import { Type, type Static } from '@sinclair/typebox';
import { baseConfigSchema, mailConfigSchema, mergeConfigSchemas } from '@tiketi/platform';

/** Variables only the ticket service reads. Areas add theirs here. */
export const ticketOwnConfig = Type.Object({
  BOOKING_MAIL_PER_SECOND: Type.Number({
    default: 20,
    exclusiveMinimum: 0,
    description:
      "booking mails (paid, refunded) sent per second at most per ticket replica: the relay's limit, and a sell-out's mail spread over minutes",
  }),
  BOOKING_REMINDER_HOURS: Type.Number({
    default: 24,
    minimum: 0,
    description:
      'buyers of paid bookings are mailed a reminder this many hours before the event starts (bookings paid later are not); 0 sends none',
  }),
  SALE_ALERT_LEAD_MINUTES: Type.Number({
    default: 30,
    exclusiveMinimum: 0,
    description:
      "buyers who asked for an event's sale alert are mailed this many minutes before its sale opens (at BOOKING_MAIL_PER_SECOND, 30 minutes reach 36,000 of them)",
  }),
  SALE_ALERTS_PER_USER: Type.Integer({
    default: 50,
    minimum: 1,
    description:
      'sale alerts one account may keep at once, and as many seat-return alerts (409 TOO_MANY_ALERTS past it)',
  }),
  QUEUE_TOKEN_SECRET: Type.String({
    default: 'dev-queue-token-secret-change-me',
    minLength: 16,
    description: 'HMAC secret that signs waiting-room admission tokens',
  }),
  QUEUE_TICK_MS: Type.Integer({
    default: 1000,
    minimum: 0,
    description:
      'how often the waiting-room ticker admits buyers (one replica per tick holds the lease); 0 turns the ticker off',
  }),
  POSTER_MAX_BYTES: Type.Integer({
    default: 10 * 1024 * 1024,
    description: 'largest poster upload accepted',
  }),
  S3_BUCKET: Type.Optional(
    Type.String({ description: 'posters bucket; when unset posters are kept on disk under DATA_DIR' }),
  ),
  S3_REGION: Type.String({ default: 'ap-northeast-2', description: 'S3 region' }),
  S3_ENDPOINT: Type.Optional(Type.String({ description: 'S3-compatible endpoint (MinIO, LocalStack)' })),
  S3_PUBLIC_URL: Type.Optional(
    Type.String({ description: 'public base URL of the posters bucket or its CDN' }),
  ),
});

export const ticketConfigSchema = mergeConfigSchemas(baseConfigSchema, mailConfigSchema, ticketOwnConfig);
export type TicketConfig = Static<typeof baseConfigSchema> &
  Static<typeof mailConfigSchema> &
  Static<typeof ticketOwnConfig>;
