import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface RelayedMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** performance.now() when the sender began handing the message over. */
  receivedAt: number;
}

export interface SmtpRelay {
  /** smtp://127.0.0.1:<port>, for SMTP_URL. */
  url: string;
  /** Every message accepted, parsed as a mail client reads it. */
  mail: RelayedMail[];
  /** While set, the relay refuses every message (a mailbox or relay failure). */
  refusing: { value: boolean };
  /** How long the relay takes to accept a message (ms). */
  delayMs: { value: number };
  close(): Promise<void>;
}

/**
 * A real SMTP relay on a free port of 127.0.0.1 (smtp-server): services send to it exactly as they
 * send to a production relay, and a test reads what arrived. Recipients starting with "bounce"
 * are refused, as an unknown mailbox is.
 */
export async function startSmtpRelay(): Promise<SmtpRelay> {
  const mail: RelayedMail[] = [];
  const refusing = { value: false };
  const delayMs = { value: 0 };
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      const to = session.envelope.rcptTo.map((r) => r.address)[0] ?? '';
      const receivedAt = performance.now();
      void simpleParser(stream).then((parsed) => {
        setTimeout(() => {
          if (refusing.value || to.startsWith('bounce')) return callback(new Error('Mailbox unavailable'));
          mail.push({
            to,
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            receivedAt,
          });
          callback();
        }, delayMs.value);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mail,
    refusing,
    delayMs,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
