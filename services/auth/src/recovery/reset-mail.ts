import type { MailMessage } from '@tiketi/platform';

export type MailLocale = 'ko' | 'en';

export interface ResetMailInput {
  to: string;
  name: string;
  link: string;
  minutes: number;
  locale: MailLocale;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const copy = {
  ko: {
    subject: '[TIKETI] 비밀번호 재설정 안내',
    greeting: (name: string) => `${name}님, 안녕하세요.`,
    body: (minutes: number) =>
      `TIKETI 계정의 비밀번호 재설정을 요청하셨습니다. 아래 링크에서 새 비밀번호를 정하세요. 링크는 ${minutes}분 동안, 한 번만 쓸 수 있습니다.`,
    button: '비밀번호 재설정',
    ignore: '요청하지 않으셨다면 이 메일을 무시하세요. 비밀번호는 바뀌지 않습니다.',
  },
  en: {
    subject: '[TIKETI] Reset your password',
    greeting: (name: string) => `Hello ${name},`,
    body: (minutes: number) =>
      `Someone asked to reset the password of your TIKETI account. Choose a new one at the link below. It works once, for ${minutes} minutes.`,
    button: 'Reset password',
    ignore: 'If you did not ask for this, ignore this mail: your password stays as it is.',
  },
} as const;

/** The reset mail in the buyer's language: plain text for every client, HTML for those that show it. */
export function resetMail(input: ResetMailInput): MailMessage {
  const c = copy[input.locale];
  const text = [c.greeting(input.name), '', c.body(input.minutes), '', input.link, '', c.ignore, ''].join(
    '\n',
  );
  const html = [
    `<p>${escapeHtml(c.greeting(input.name))}</p>`,
    `<p>${escapeHtml(c.body(input.minutes))}</p>`,
    `<p><a href="${escapeHtml(input.link)}">${escapeHtml(c.button)}</a></p>`,
    `<p style="color:#666">${escapeHtml(c.ignore)}</p>`,
  ].join('\n');
  return { to: input.to, subject: c.subject, text, html };
}
