import { Type, type Static } from '@sinclair/typebox';

/** A message to one person; the text part is always there, the HTML part when a client shows it. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/** Where mail goes: an SMTP relay in production, files on disk when embedded. */
export interface Mailer {
  readonly kind: 'smtp' | 'disk';
  /** Resolves once the relay accepted the message (or the file is written); rejects otherwise. */
  send(message: MailMessage): Promise<{ messageId: string }>;
  close(): Promise<void>;
}

/** Variables a service that sends mail merges into its config. */
export const mailConfigSchema = Type.Object({
  MAIL_FROM: Type.String({
    default: 'TIKETI <no-reply@tiketi.local>',
    minLength: 3,
    description: 'sender of the mail the platform sends (password resets, booking confirmations, refunds)',
  }),
  SMTP_URL: Type.Optional(
    Type.String({
      pattern: '^smtps?://',
      description:
        'SMTP relay, e.g. smtps://user:pass@smtp.example.com:465 (smtp:// upgrades with STARTTLS); unset: mail is written to ${DATA_DIR}/mail as .eml files',
    }),
  ),
});
export type MailConfig = Static<typeof mailConfigSchema>;
