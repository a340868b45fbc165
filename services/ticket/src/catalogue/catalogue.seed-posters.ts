import type { EventCategory } from '@tiketi/contracts';

const PALETTES: Record<EventCategory, [string, string, string]> = {
  concert: ['#4c1d95', '#db2777', '#fde68a'],
  musical: ['#7f1d1d', '#f59e0b', '#fef3c7'],
  theater: ['#111827', '#6b7280', '#f9fafb'],
  sports: ['#064e3b', '#10b981', '#ecfccb'],
  exhibition: ['#1e3a8a', '#f97316', '#fde047'],
  classic: ['#1f2937', '#a16207', '#fef9c3'],
  family: ['#0369a1', '#facc15', '#fce7f3'],
  other: ['#312e81', '#22d3ee', '#f0abfc'],
};

/**
 * An abstract poster for demo events (no text: the machine may lack CJK fonts), varied by
 * category and seed so the catalogue does not look like a row of identical tiles. PNG bytes,
 * uploaded through the real poster pipeline.
 */
export async function demoPoster(category: EventCategory, seed: number): Promise<Buffer> {
  const [dark, mid, light] = PALETTES[category];
  let n = seed * 9301 + 49297;
  const rand = () => (n = (n * 9301 + 49297) % 233280) / 233280;
  const shapes = Array.from({ length: 7 }, () => {
    const r = 60 + rand() * 220;
    return `<circle cx="${(rand() * 600).toFixed(0)}" cy="${(rand() * 900).toFixed(0)}" r="${r.toFixed(0)}" fill="${rand() > 0.5 ? mid : light}" fill-opacity="${(0.15 + rand() * 0.5).toFixed(2)}"/>`;
  }).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="900">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${dark}"/><stop offset="1" stop-color="${mid}"/></linearGradient></defs>
    <rect width="600" height="900" fill="url(#g)"/>${shapes}
    <rect x="40" y="700" width="520" height="6" fill="${light}" fill-opacity="0.8"/>
    <rect x="40" y="730" width="340" height="6" fill="${light}" fill-opacity="0.5"/>
  </svg>`;
  const { default: sharp } = await import('sharp');
  return sharp(Buffer.from(svg)).png().toBuffer();
}
