import nodemailer from 'nodemailer';
import type { Mailer } from './mailer';

export interface SmtpMailerOptions {
  /** smtps://user:pass@host:465 (TLS from the start) or smtp://user:pass@host:587 (STARTTLS when offered). */
  url: string;
  from: string;
  /** Longest wait for the relay to connect, greet and answer (ms): a request never hangs on mail. */
  timeoutMs?: number;
}

/** Mail through an SMTP relay (nodemailer: pooled connections, STARTTLS, authentication). */
export function createSmtpMailer(options: SmtpMailerOptions): Mailer {
  const url = new URL(options.url);
  const secure = url.protocol === 'smtps:';
  const timeout = options.timeoutMs ?? 10_000;
  const transport = nodemailer.createTransport(
    {
      host: url.hostname,
      port: url.port ? Number(url.port) : secure ? 465 : 587,
      secure,
      auth: url.username
        ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) }
        : undefined,
      pool: true,
      maxConnections: 3,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    },
    { from: options.from },
  );
  return {
    kind: 'smtp',
    async send(message) {
      const info = await transport.sendMail(message);
      return { messageId: info.messageId };
    },
    async close() {
      transport.close();
    },
  };
}
