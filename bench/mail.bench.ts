import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDiskMailer, createSmtpMailer, type Mailer, type MailMessage } from '@tiketi/platform';
import { startSmtpRelay } from '@tiketi/testing';
import { confirmedMail } from '../services/ticket/src/notify/booking-mail';
import { arg, publish } from './lib/load';

/**
 * `npm run bench -- mail [--mails 2000] [--dry-run]`: what one booking mail costs the process that
 * sends it: the template, the message composed (nodemailer) and either written as an .eml file (the
 * embedded default) or handed to an SMTP relay on 127.0.0.1 (production's path; the relay runs in
 * this process too, so its CPU is counted and said). The ticket service sends at most
 * BOOKING_MAIL_PER_SECOND of these a second, which bounds what a sell-out's mail can take.
 */
export default async function mailBench(args: string[]): Promise<void> {
  const mails = arg(args, 'mails', 2_000);
  const booking = {
    id: 'rsv_01JBENCHMARKBOOKING0000000',
    userEmail: 'buyer@bench.tiketi',
    userName: '김민지',
    amount: 264_000,
    refundedAmount: 0,
    status: 'confirmed',
    eventTitle: '2026 아이유 콘서트 — The Golden Hour',
    eventStartsAt: new Date('2026-12-24T10:30:00Z'),
    eventEndsAt: new Date('2026-12-24T13:00:00Z'),
    eventStatus: 'on_sale',
    venueName: '서울 올림픽공원 KSPO DOME',
    seats: [
      { id: 'seat_1', label: 'VIP-A12', refunded: false },
      { id: 'seat_2', label: 'VIP-A13', refunded: false },
    ],
  };
  const message = (): MailMessage => confirmedMail(booking, 'https://tickets.example.kr');
  const cpuPer = async (count: number, run: () => Promise<unknown> | unknown) => {
    for (let i = 0; i < Math.min(200, count); i++) await run();
    const before = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < count; i++) await run();
    const used = process.cpuUsage(before);
    return {
      'CPU µs per mail': Math.round((used.user + used.system) / count),
      'wall ms per mail': Number(((performance.now() - started) / count).toFixed(2)),
    };
  };
  const rows: Array<Record<string, string | number>> = [];
  rows.push({
    what: 'template only (booking-mail.ts)',
    mails: mails * 5,
    ...(await cpuPer(mails * 5, message)),
  });

  const dir = await mkdtemp(join(tmpdir(), 'tiketi-mail-bench-'));
  const disk = createDiskMailer({ dir, from: 'TIKETI <no-reply@bench.tiketi>' });
  try {
    rows.push({
      what: 'composed and written as .eml (disk mailer)',
      mails,
      ...(await cpuPer(mails, () => disk.send(message()))),
    });
  } finally {
    await disk.close();
    await rm(dir, { recursive: true, force: true });
  }

  const relay = await startSmtpRelay();
  let smtp: Mailer | null = null;
  try {
    smtp = createSmtpMailer({ url: relay.url, from: 'TIKETI <no-reply@bench.tiketi>' });
    const sent = Math.min(mails, 1_000);
    rows.push({
      what: 'composed and sent over SMTP (relay in this process, its parsing counted)',
      mails: sent,
      ...(await cpuPer(sent, () => smtp!.send(message()))),
    });
  } finally {
    await smtp?.close();
    await relay.close();
  }
  const per = rows[1]!['CPU µs per mail'] as number;
  publish(args, `mail (one booking confirmation, ${mails} mails, sequential)`, rows, [
    `at BOOKING_MAIL_PER_SECOND=20 (the default) the disk path takes at most ${((per * 20) / 10_000).toFixed(1)}% of one core per ticket replica, whatever the sale's rate of confirmations`,
    'CPU from process.cpuUsage (all threads: file writes run on the libuv pool); the first 200 are run unmeasured',
  ]);
}
