import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestService, type TestService } from '@tiketi/testing';
import type { Clock, Coordination } from '@tiketi/platform';
import { createTicketService } from '../ticket.service';
import type { TicketConfig } from '../ticket.config';

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(public current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  set(iso: string | Date): void {
    this.current = new Date(iso);
  }
}

export interface CatalogueHarness {
  svc: TestService<TicketConfig>;
  clock: ManualClock;
  admin: { authorization: string };
  user: { authorization: string };
  dataDir: string;
  close(): Promise<void>;
}

export async function startCatalogue(
  now = '2026-03-01T00:00:00.000Z',
  options: { coordination?: Coordination } = {},
): Promise<CatalogueHarness> {
  const clock = new ManualClock(new Date(now));
  const dataDir = mkdtempSync(join(tmpdir(), 'tiketi-catalogue-'));
  const svc = await startTestService(createTicketService(), {
    clock,
    coordination: options.coordination,
    env: { DATA_DIR: dataDir, PUBLIC_API_URL: 'http://api.test' },
  });
  const admin = (await svc.issuer.user('admin')).headers;
  const user = (await svc.issuer.user('user')).headers;
  return { svc, clock, admin, user, dataDir, close: () => svc.close() };
}

export const compactLayout = {
  sections: [
    {
      name: 'VIP',
      price: 150000,
      rows: [
        { label: 'A', seats: 10 },
        { label: 'B', seats: 10 },
      ],
    },
    { name: 'R', price: 99000, rows: [{ label: 'C', seats: 5 }] },
  ],
};

export function eventBody(overrides: Record<string, unknown> = {}) {
  return {
    title: '테스트 콘서트',
    category: 'concert',
    artist: 'Test Artist',
    venueName: '테스트홀',
    startsAt: '2026-04-01T10:00:00.000Z',
    endsAt: '2026-04-01T13:00:00.000Z',
    saleStartsAt: '2026-03-10T01:00:00.000Z',
    saleEndsAt: '2026-04-01T09:00:00.000Z',
    layout: compactLayout,
    ...overrides,
  };
}

/** A multipart/form-data body with one file part. */
export function multipart(field: string, filename: string, contentType: string, bytes: Buffer) {
  const boundary = `----tiketi${Math.random().toString(16).slice(2)}`;
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${contentType}\r\n\r\n`,
    ),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
