import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailer } from './create-mailer';
import { createDiskMailer } from './disk-mailer';
import { createSmtpMailer } from './smtp-mailer';

const message = {
  to: 'buyer@example.com',
  subject: '비밀번호 재설정 — reset your password',
  text: '아래 링크를 여세요: https://tiketi.test/reset-password#token=abc',
  html: '<p>아래 링크를 여세요: <a href="https://tiketi.test/reset-password#token=abc">reset</a></p>',
};

describe('disk mailer', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tiketi-mail-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes each message as an .eml file a mail client reads back whole (UTF-8 subject and body)', async () => {
    const mailer = createDiskMailer({ dir, from: 'TIKETI <no-reply@tiketi.test>' });
    const first = await mailer.send(message);
    await mailer.send({ ...message, subject: 'second' });
    const files = (await readdir(dir)).sort();
    expect(files).toHaveLength(2);
    expect(files.every((f) => /^mail_[0-9A-Z]{26}\.eml$/.test(f))).toBe(true);
    const parsed = await simpleParser(await readFile(join(dir, files[0]!)));
    expect(parsed.messageId).toBe(first.messageId);
    expect(parsed.subject).toBe(message.subject);
    expect(parsed.from?.value).toEqual([{ name: 'TIKETI', address: 'no-reply@tiketi.test' }]);
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.text : '').toBe('buyer@example.com');
    expect(parsed.text?.trim()).toBe(message.text);
    expect(parsed.html).toContain('href="https://tiketi.test/reset-password#token=abc"');
    // Sortable names: the newest message is the last file.
    expect((await simpleParser(await readFile(join(dir, files[1]!)))).subject).toBe('second');
    await mailer.close();
  });

  it('makes its directory again when it was removed meanwhile', async () => {
    const own = join(dir, 'emptied');
    const mailer = createDiskMailer({ dir: own, from: 'TIKETI <no-reply@tiketi.test>' });
    await mailer.send(message);
    await rm(own, { recursive: true });
    await mailer.send({ ...message, subject: 'after' });
    const files = await readdir(own);
    expect(files).toHaveLength(1);
    expect((await simpleParser(await readFile(join(own, files[0]!)))).subject).toBe('after');
  });

  it('is what the factory gives without an SMTP relay, under DATA_DIR/mail', () => {
    expect(createMailer({ DATA_DIR: dir, MAIL_FROM: 'a <a@b.c>' }).kind).toBe('disk');
    expect(createMailer({ DATA_DIR: dir, MAIL_FROM: 'a <a@b.c>', SMTP_URL: 'smtp://127.0.0.1:1' }).kind).toBe(
      'smtp',
    );
  });
});

describe('SMTP mailer', () => {
  const received: Array<{ from: string; to: string[]; raw: Buffer; user?: string }> = [];
  let server: SMTPServer;
  let port: number;

  beforeAll(async () => {
    server = new SMTPServer({
      secure: false,
      disabledCommands: ['STARTTLS'],
      authOptional: true,
      allowInsecureAuth: true,
      onAuth(auth, _session, callback) {
        if (auth.username === 'relay' && auth.password === 's3cret') return callback(null, { user: 'relay' });
        return callback(new Error('Invalid username or password'));
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const to = session.envelope.rcptTo.map((r) => r.address);
          if (to.includes('bounce@example.com')) return callback(new Error('Mailbox unavailable'));
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to,
            raw: Buffer.concat(chunks),
            user: session.user as string | undefined,
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('hands the message to the relay with the credentials of its URL', async () => {
    const mailer = createSmtpMailer({
      url: `smtp://relay:s3cret@127.0.0.1:${port}`,
      from: 'TIKETI <no-reply@tiketi.test>',
    });
    const sent = await mailer.send(message);
    await mailer.close();
    expect(received).toHaveLength(1);
    const [got] = received;
    expect(got!.user).toBe('relay');
    expect(got!.from).toBe('no-reply@tiketi.test');
    expect(got!.to).toEqual(['buyer@example.com']);
    const parsed = await simpleParser(got!.raw);
    expect(parsed.messageId).toBe(sent.messageId);
    expect(parsed.subject).toBe(message.subject);
    expect(parsed.text?.trim()).toBe(message.text);
  });

  it('rejects when the relay refuses the message or the credentials, so the caller knows it was not sent', async () => {
    const mailer = createSmtpMailer({ url: `smtp://relay:s3cret@127.0.0.1:${port}`, from: 'a@tiketi.test' });
    await expect(mailer.send({ ...message, to: 'bounce@example.com' })).rejects.toThrow(
      /Mailbox unavailable/,
    );
    await mailer.close();
    const wrong = createSmtpMailer({ url: `smtp://relay:wrong@127.0.0.1:${port}`, from: 'a@tiketi.test' });
    await expect(wrong.send(message)).rejects.toThrow(/Invalid username or password/);
    await wrong.close();
  });

  it('rejects within its timeout when no relay answers', async () => {
    // A listening socket that never greets: the mailer gives up instead of holding the caller.
    const silent = (await import('node:net')).createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentPort = (silent.address() as { port: number }).port;
    const mailer = createSmtpMailer({
      url: `smtp://127.0.0.1:${silentPort}`,
      from: 'a@tiketi.test',
      timeoutMs: 300,
    });
    const started = Date.now();
    await expect(mailer.send(message)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5_000);
    await mailer.close();
    silent.close();
  });
});
