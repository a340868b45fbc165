import { randomBytes } from 'node:crypto';

/** Entry codes: what a pass's QR code carries and the gate checks. */
const PREFIX = 'TKT-';
// Crockford's base32: upper case and digits only, which a QR code packs densely and a person can read out.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** 120 random bits: the code is the credential, so it must not be guessable from another one. */
export function newEntryCode(): string {
  const bytes = randomBytes(15);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return `${PREFIX}${out}`;
}

/** What a person types or a scanner sends: spaces, case and the prefix do not matter; look-alikes read as digits. */
export function normaliseEntryCode(input: string): string {
  const compact = input.toUpperCase().replace(/\s+/g, '');
  // Typed without its prefix (read off a screen), it is still the same code.
  const body = compact.startsWith(PREFIX) ? compact.slice(PREFIX.length) : compact;
  return PREFIX + body.replace(/[IL]/g, '1').replace(/O/g, '0');
}

/** The statuses of a booking whose passes admit (paid, with seats left). */
export const ADMITTING = new Set(['confirmed', 'partially_refunded']);
