import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { newId } from '../ids';
import type { Mailer } from './mailer';

export interface DiskMailerOptions {
  /** Directory the messages are written to, one RFC 5322 `.eml` file each (any mail client opens them). */
  dir: string;
  from: string;
}

/**
 * Mail written to disk instead of sent: the embedded platform has no relay, and a developer opens
 * the newest file to follow a reset link. The message is composed exactly as the SMTP mailer's
 * would be (nodemailer's stream transport), so what is tested here is what production sends.
 */
export function createDiskMailer(options: DiskMailerOptions): Mailer {
  const composer = nodemailer.createTransport(
    { streamTransport: true, buffer: true, newline: 'unix' },
    {
      from: options.from,
    },
  );
  // Made once; made again when it has gone (a developer emptied .data/mail).
  let ready: Promise<unknown> | null = null;
  const write = async (path: string, body: Buffer) => {
    ready ??= mkdir(options.dir, { recursive: true });
    await ready;
    const tmp = `${path}.tmp`;
    await writeFile(tmp, body);
    await rename(tmp, path);
  };
  return {
    kind: 'disk',
    async send(message) {
      const info = await composer.sendMail(message);
      // Sortable names: the newest message is the last file.
      const path = join(options.dir, `${newId('mail')}.eml`);
      try {
        await write(path, info.message as Buffer);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        ready = null;
        await write(path, info.message as Buffer);
      }
      return { messageId: info.messageId };
    },
    async close() {
      composer.close();
    },
  };
}
