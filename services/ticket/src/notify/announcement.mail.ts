import type { MailMessage } from '@tiketi/platform';
import { bookingLink, compose, eventLines } from './booking-mail';
import type { BookingForMail } from './booking-mails.repository';

/**
 * The organiser's notice to a buyer of the event, in the organiser's own words (written once, so
 * the same in both halves), with the booking it concerns.
 */
export function announcementMail(
  b: BookingForMail,
  notice: { subject: string; message: string },
  webUrl: string,
): MailMessage {
  const { ko, en } = eventLines(b);
  return compose(
    b.userEmail,
    `[TIKETI] 공지 · Notice: ${b.eventTitle}: ${notice.subject}`,
    {
      lead: `${b.userName}님, 예매하신 공연의 주최 측 공지입니다.\n\n${notice.message}`,
      lines: [...ko, { label: '예매 번호', value: b.id }],
      linkText: '예매 내역',
    },
    {
      lead: `${b.userName}, a notice from the organiser of your event.\n\n${notice.message}`,
      lines: [...en, { label: 'Booking number', value: b.id }],
      linkText: 'Your booking',
    },
    bookingLink(webUrl, b.id),
  );
}
