import { join } from 'node:path';
import { createDiskMailer } from './disk-mailer';
import type { MailConfig, Mailer } from './mailer';
import { createSmtpMailer } from './smtp-mailer';

/** SMTP when a relay is configured; otherwise `.eml` files under `${DATA_DIR}/mail`. */
export function createMailer(config: MailConfig & { DATA_DIR: string }): Mailer {
  if (config.SMTP_URL) return createSmtpMailer({ url: config.SMTP_URL, from: config.MAIL_FROM });
  return createDiskMailer({ dir: mailDirectory(config), from: config.MAIL_FROM });
}

/** Where the disk mailer of this config writes (tests and the README point here). */
export function mailDirectory(config: { DATA_DIR: string }): string {
  return join(config.DATA_DIR, 'mail');
}
