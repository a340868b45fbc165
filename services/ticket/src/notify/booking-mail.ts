import type { MailMessage } from '@tiketi/platform';
import type { BookingForMail, EventBefore } from './booking-mails.repository';
import type { ReturnAlertForMail } from './return-alerts.repository';
import type { SaleAlertForMail } from './sale-alerts.repository';

/**
 * Booking mails in Korean, then English: the ticket service does not know which language the buyer
 * reads the web app in, and the booking number, seats and amounts read the same in both.
 */

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

// Events happen in Korea: the time printed is the venue's, whatever the server's zone. Formatters
// are made once: making one costs far more than formatting with it.
const KO_WHEN = new Intl.DateTimeFormat('ko-KR', {
  timeZone: 'Asia/Seoul',
  dateStyle: 'full',
  timeStyle: 'short',
});
const EN_WHEN = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Asia/Seoul',
  dateStyle: 'full',
  timeStyle: 'short',
});
const KO_NUMBER = new Intl.NumberFormat('ko-KR');
const EN_NUMBER = new Intl.NumberFormat('en-US');
const whenKo = (d: Date) => KO_WHEN.format(d);
const whenEn = (d: Date) => `${EN_WHEN.format(d)} KST`;
const wonKo = (n: number) => `${KO_NUMBER.format(n)}원`;
const wonEn = (n: number) => `KRW ${EN_NUMBER.format(n)}`;

interface Line {
  label: string;
  value: string;
}

interface Section {
  lead: string;
  lines: Line[];
  linkText: string;
}

export function compose(to: string, subject: string, ko: Section, en: Section, link: string): MailMessage {
  const textOf = (s: Section) =>
    [s.lead, '', ...s.lines.map((l) => `${l.label}: ${l.value}`), '', `${s.linkText}: ${link}`].join('\n');
  const htmlOf = (s: Section) =>
    [
      `<p>${escapeHtml(s.lead)}</p>`,
      '<table cellpadding="4" style="border-collapse:collapse">',
      ...s.lines.map(
        (l) =>
          `<tr><th align="left" style="color:#555">${escapeHtml(l.label)}</th><td>${escapeHtml(l.value)}</td></tr>`,
      ),
      '</table>',
      `<p><a href="${escapeHtml(link)}">${escapeHtml(s.linkText)}</a></p>`,
    ].join('\n');
  return {
    to,
    subject,
    text: `${textOf(ko)}\n\n---\n\n${textOf(en)}\n`,
    html: `${htmlOf(ko)}\n<hr>\n${htmlOf(en)}`,
  };
}

const seatList = (seats: Array<{ label: string }>) => seats.map((s) => s.label).join(', ');

export function bookingLink(webUrl: string, reservationId: string): string {
  return `${webUrl.replace(/\/+$/, '')}/my/reservations/${encodeURIComponent(reservationId)}`;
}

/** What, when, where and which seats (still booked), in each language. */
export function eventLines(b: BookingForMail): { ko: Line[]; en: Line[] } {
  const seats = seatList(b.seats.filter((s) => !s.refunded));
  return {
    ko: [
      { label: '공연', value: b.eventTitle },
      { label: '일시', value: whenKo(b.eventStartsAt) },
      { label: '장소', value: b.venueName },
      { label: '좌석', value: seats },
    ],
    en: [
      { label: 'Event', value: b.eventTitle },
      { label: 'When', value: whenEn(b.eventStartsAt) },
      { label: 'Where', value: b.venueName },
      { label: 'Seats', value: seats },
    ],
  };
}

/** "Your booking is confirmed": what, when, where, which seats, how much, and where the pass is. */
export function confirmedMail(b: BookingForMail, webUrl: string): MailMessage {
  const { ko, en } = eventLines(b);
  return compose(
    b.userEmail,
    `[TIKETI] 예매 완료 · Booking confirmed: ${b.eventTitle}`,
    {
      lead: `${b.userName}님, 예매가 완료되었습니다. 입장권(QR 코드)은 예매 내역에서 볼 수 있습니다.`,
      lines: [...ko, { label: '결제 금액', value: wonKo(b.amount) }, { label: '예매 번호', value: b.id }],
      linkText: '예매 내역과 입장권',
    },
    {
      lead: `${b.userName}, your booking is confirmed. Your entry pass (a QR code) is on the booking's page.`,
      lines: [...en, { label: 'Paid', value: wonEn(b.amount) }, { label: 'Booking number', value: b.id }],
      linkText: 'Your booking and entry pass',
    },
    bookingLink(webUrl, b.id),
  );
}

/** "Refunded": this refund's amount and seats, and what stays booked when it was partial. */
export function refundedMail(
  b: BookingForMail,
  refund: { amount: number; seatIds: string[] },
  webUrl: string,
): MailMessage {
  const returned = b.seats.filter((s) => refund.seatIds.includes(s.id));
  const kept = b.seats.filter((s) => !s.refunded);
  // Partial while something stays booked: seats, or money kept after a money-only refund.
  const partial = b.status !== 'refunded';
  const cancelled = b.eventStatus === 'cancelled';
  // Money back on a booking already refunded: the cancellation fee its buyer paid on cancelling.
  const feeReturned = !partial && returned.length === 0;
  const koLines: Line[] = [
    { label: '공연', value: b.eventTitle },
    { label: '일시', value: whenKo(b.eventStartsAt) },
    { label: '환불 금액', value: wonKo(refund.amount) },
  ];
  const enLines: Line[] = [
    { label: 'Event', value: b.eventTitle },
    { label: 'When', value: whenEn(b.eventStartsAt) },
    { label: 'Refunded', value: wonEn(refund.amount) },
  ];
  if (returned.length > 0) {
    koLines.push({ label: '취소된 좌석', value: seatList(returned) });
    enLines.push({ label: 'Seats cancelled', value: seatList(returned) });
  }
  if (partial && kept.length > 0) {
    koLines.push({ label: '유지되는 좌석', value: seatList(kept) });
    enLines.push({ label: 'Seats you keep', value: seatList(kept) });
  }
  koLines.push({ label: '예매 번호', value: b.id });
  enLines.push({ label: 'Booking number', value: b.id });
  const takesDays = {
    ko: '카드사나 결제 수단에 따라 돌려받기까지 며칠 걸릴 수 있습니다.',
    en: 'Depending on your card or payment method, it can take a few days to reach you.',
  };
  if (feeReturned)
    return compose(
      b.userEmail,
      `[TIKETI] 취소 수수료 환불 · Cancellation fee refunded: ${b.eventTitle}`,
      {
        lead: `${b.userName}님, ${cancelled ? '공연이 취소되어 ' : ''}예매를 취소하실 때 낸 취소 수수료를 돌려 드렸습니다. ${takesDays.ko}`,
        lines: koLines,
        linkText: '예매 내역',
      },
      {
        lead: `${b.userName}, ${cancelled ? 'the event was cancelled, so ' : ''}the cancellation fee you paid when you cancelled has been refunded. ${takesDays.en}`,
        lines: enLines,
        linkText: 'Your booking',
      },
      bookingLink(webUrl, b.id),
    );
  return compose(
    b.userEmail,
    `[TIKETI] ${partial ? '부분 환불' : '환불'} 완료 · ${partial ? 'Partly refunded' : 'Refunded'}: ${b.eventTitle}`,
    {
      lead: `${b.userName}님, ${cancelled ? '공연이 취소되어 ' : ''}환불이 처리되었습니다. ${takesDays.ko}`,
      lines: koLines,
      linkText: '예매 내역',
    },
    {
      lead: `${b.userName}, ${cancelled ? 'the event was cancelled and ' : ''}your refund has been made. ${takesDays.en}`,
      lines: enLines,
      linkText: 'Your booking',
    },
    bookingLink(webUrl, b.id),
  );
}

/** Before the event: when and where, which seats, and the pass to have ready at the gate. */
export function reminderMail(b: BookingForMail, webUrl: string): MailMessage {
  const { ko, en } = eventLines(b);
  return compose(
    b.userEmail,
    `[TIKETI] 공연 안내 · Coming up: ${b.eventTitle}`,
    {
      lead: `${b.userName}님, 예매하신 공연이 곧 시작합니다. 입장할 때 예매 내역의 입장권(QR 코드)을 보여 주세요.`,
      lines: [...ko, { label: '예매 번호', value: b.id }],
      linkText: '입장권',
    },
    {
      lead: `${b.userName}, your event is coming up. Show the entry pass (a QR code) on your booking's page at the gate.`,
      lines: [...en, { label: 'Booking number', value: b.id }],
      linkText: 'Your entry pass',
    },
    bookingLink(webUrl, b.id),
  );
}

/**
 * The event moved (time or place): what it was and what it is now, the seats kept, and that the
 * booking stands. Told from the booking as it is when sent, so a second change is told as it ended.
 */
export function changedMail(b: BookingForMail, before: EventBefore, webUrl: string): MailMessage {
  const { ko, en } = eventLines(b);
  const previously = new Date(before.startsAt);
  const timeMoved = previously.getTime() !== b.eventStartsAt.getTime();
  const placeMoved = before.venueName !== b.venueName;
  const was = (label: string, lines: Line[], at: string, value: string) => {
    const i = lines.findIndex((l) => l.label === at);
    lines.splice(i, 0, { label, value });
  };
  if (timeMoved) {
    was('변경 전 일시', ko, '일시', whenKo(previously));
    was('Was', en, 'When', whenEn(previously));
  }
  if (placeMoved) {
    was('변경 전 장소', ko, '장소', before.venueName);
    was('Was at', en, 'Where', before.venueName);
  }
  return compose(
    b.userEmail,
    `[TIKETI] 공연 변경 안내 · Event changed: ${b.eventTitle}`,
    {
      lead: `${b.userName}님, 예매하신 공연의 ${timeMoved && placeMoved ? '일시와 장소가' : placeMoved ? '장소가' : '일시가'} 변경되었습니다. 예매와 입장권은 그대로 유효합니다. 참석이 어려우시면 공연 시작 전까지 예매 내역에서 수수료 없이 취소할 수 있습니다.`,
      lines: [...ko, { label: '예매 번호', value: b.id }],
      linkText: '예매 내역',
    },
    {
      lead: `${b.userName}, your event has ${timeMoved && placeMoved ? 'a new time and place' : placeMoved ? 'a new place' : 'a new time'}. Your booking and entry pass stay valid; if you can no longer come, you can cancel without a fee from your booking's page until the event begins.`,
      lines: [...en, { label: 'Booking number', value: b.id }],
      linkText: 'Your booking',
    },
    bookingLink(webUrl, b.id),
  );
}

export function eventLink(webUrl: string, eventId: string): string {
  return `${webUrl.replace(/\/+$/, '')}/events/${encodeURIComponent(eventId)}`;
}

/**
 * The buyer asked to hear before the sale opens: when it opens, and the event's page to book
 * from. Sent late (a relay that was down), it says the sale has opened.
 */
export function saleOpenMail(a: SaleAlertForMail, webUrl: string, now: Date): MailMessage {
  const { event } = a;
  const opened = event.saleStartsAt.getTime() <= now.getTime();
  return compose(
    a.email,
    `[TIKETI] 티켓 오픈 알림 · ${opened ? 'On sale now' : 'On sale soon'}: ${event.title}`,
    {
      lead: `${a.name}님, 알림을 신청하신 공연의 예매가 ${opened ? '시작되었습니다' : '곧 시작됩니다'}. 공연 페이지에서 예매할 수 있습니다.`,
      lines: [
        { label: '공연', value: event.title },
        { label: '예매 시작', value: whenKo(event.saleStartsAt) },
        { label: '일시', value: whenKo(event.startsAt) },
        { label: '장소', value: event.venueName },
      ],
      linkText: '공연 페이지',
    },
    {
      lead: `${a.name}, tickets for the event you asked about ${opened ? 'are on sale now' : 'go on sale soon'}. Book from the event's page.`,
      lines: [
        { label: 'Event', value: event.title },
        { label: 'Sale opens', value: whenEn(event.saleStartsAt) },
        { label: 'When', value: whenEn(event.startsAt) },
        { label: 'Where', value: event.venueName },
      ],
      linkText: "The event's page",
    },
    eventLink(webUrl, event.id),
  );
}

/** Seats of a sold-out event came back: sent only while some are there, and once per ask. */
export function seatsBackMail(a: ReturnAlertForMail, webUrl: string, now: Date): MailMessage {
  const { event } = a;
  return compose(
    a.email,
    `[TIKETI] 취소표 알림 · Seats are back: ${event.title}`,
    {
      lead: `${a.name}님, 매진되었던 공연에 좌석이 다시 나왔습니다. 먼저 예매하는 분께 돌아가니 서둘러 주세요. 이 알림은 한 번만 보내드리며, 놓치셨다면 공연 페이지에서 다시 신청할 수 있습니다.`,
      lines: [
        { label: '공연', value: event.title },
        { label: '남은 좌석', value: `${KO_NUMBER.format(a.available)}석 (${whenKo(now)} 기준)` },
        { label: '일시', value: whenKo(event.startsAt) },
        { label: '장소', value: event.venueName },
      ],
      linkText: '공연 페이지',
    },
    {
      lead: `${a.name}, seats of the sold-out event you asked about are back. They go to whoever books first. This alert is sent once; if you miss them, ask again on the event's page.`,
      lines: [
        { label: 'Event', value: event.title },
        { label: 'Seats left', value: `${EN_NUMBER.format(a.available)} (at ${whenEn(now)})` },
        { label: 'When', value: whenEn(event.startsAt) },
        { label: 'Where', value: event.venueName },
      ],
      linkText: "The event's page",
    },
    eventLink(webUrl, event.id),
  );
}
