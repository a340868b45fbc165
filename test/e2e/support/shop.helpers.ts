import type { Page } from 'playwright-core';
import { eventually } from '@tiketi/testing';
import type { Session, TestPlatform } from '../../support/platform';

// Used only inside page.evaluate (runs in the browser); the repo's tsconfig has no DOM lib.
declare const localStorage: { setItem(key: string, value: string): void };

/** A `datetime-local` value for Seoul's wall clock `offsetMs` from now (Seoul is UTC+9, no DST). */
export function seoulInput(offsetMs: number): string {
  return new Date(Date.now() + offsetMs + 9 * 3_600_000).toISOString().slice(0, 16);
}

/** Puts an API session into the browser, as if the buyer had logged in there. */
export async function useSession(page: Page, session: Session): Promise<void> {
  await page.goto('/login');
  await page.evaluate((s) => localStorage.setItem('tiketi.session', JSON.stringify(s)), {
    user: session.user,
    accessToken: session.accessToken,
    refreshToken: session.refreshToken,
  });
}

export async function seatLabel(
  tp: TestPlatform,
  eventId: string,
  section: string,
  row: string,
  number: number,
): Promise<{ id: string; label: string }> {
  const map = await tp.api('GET', `/api/events/${eventId}/seats`);
  const seat = (
    map.body.seats as Array<{ id: string; label: string; section: string; row: string; number: number }>
  ).find((s) => s.section === section && s.row === row && s.number === number);
  if (!seat) throw new Error(`no seat ${section} ${row}-${number}`);
  return seat;
}

/** Pays a pending reservation through the sandbox provider over HTTP (the approve form, then confirm). */
export async function payWithSandbox(tp: TestPlatform, buyer: Session, reservationId: string): Promise<void> {
  const created = await tp.api('POST', '/api/payments/create', {
    token: buyer.accessToken,
    body: { reservationId, method: 'sandbox' },
  });
  if (created.status !== 201)
    throw new Error(`create payment: ${created.status} ${JSON.stringify(created.body)}`);
  const checkoutPath = new URL(created.body.checkout.url, tp.url).pathname;
  const approved = await fetch(`${tp.url}${checkoutPath}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'action=approve',
    redirect: 'manual',
  });
  const back = new URL(approved.headers.get('location')!);
  const confirmed = await tp.api('POST', '/api/payments/confirm', {
    token: buyer.accessToken,
    body: {
      orderId: back.searchParams.get('orderId'),
      paymentKey: back.searchParams.get('paymentKey'),
      amount: Number(back.searchParams.get('amount')),
    },
  });
  if (confirmed.status !== 200)
    throw new Error(`confirm: ${confirmed.status} ${JSON.stringify(confirmed.body)}`);
}

export async function waitAdmitted(tp: TestPlatform, buyer: Session, eventId: string): Promise<void> {
  await eventually(async () => {
    const res = await tp.api('GET', `/api/queue/${eventId}/status`, { token: buyer.accessToken });
    if (res.body.status !== 'admitted') throw new Error(`not admitted yet: ${JSON.stringify(res.body)}`);
  });
}
