import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';

/** Every mail written so far for this address (and subject, when given): subjects, oldest first. */
export async function mailsTo(dataDir: string, to: string, subject?: RegExp): Promise<string[]> {
  const dir = join(dataDir, 'mail');
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.eml')).sort();
  const found: string[] = [];
  for (const file of files) {
    const parsed = await simpleParser(await readFile(join(dir, file)));
    const recipients = [parsed.to ?? []].flat().flatMap((a) => a.value.map((v) => v.address));
    if (recipients.includes(to) && (!subject || subject.test(parsed.subject ?? '')))
      found.push(parsed.subject ?? '');
  }
  return found;
}

/**
 * The newest mail the embedded platform wrote to DATA_DIR/mail for this address (and subject, when
 * given), parsed as a mail client would (the files are RFC 5322 messages); waits for it to appear.
 */
export async function waitForMail(
  dataDir: string,
  to: string,
  options: { subject?: RegExp; timeoutMs?: number } = {},
): Promise<{ subject: string; text: string }> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const dir = join(dataDir, 'mail');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const files = await readdir(dir).catch(() => [] as string[]);
    for (const file of files
      .filter((f) => f.endsWith('.eml'))
      .sort()
      .reverse()) {
      const parsed = await simpleParser(await readFile(join(dir, file)));
      const recipients = [parsed.to ?? []].flat().flatMap((a) => a.value.map((v) => v.address));
      const subject = parsed.subject ?? '';
      if (recipients.includes(to) && (!options.subject || options.subject.test(subject)))
        return { subject, text: parsed.text ?? '' };
    }
    if (Date.now() > deadline) throw new Error(`no mail to ${to} in ${dir} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
