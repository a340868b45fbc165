import type { EventCategory } from '@tiketi/contracts';
import type { Layout } from './layout.schemas';

type Section = Layout['sections'][number];

/** `count` rows labelled from `first` (A, B, ... or 1, 2, ...) with `seats` seats each. */
function rows(
  count: number,
  seats: number,
  first = 'A',
): Array<{ label: string; seats: number; accessible?: number[] }> {
  return Array.from({ length: count }, (_, i) => ({
    label: /^\d+$/.test(first)
      ? String(Number(first) + i)
      : String.fromCharCode(first.charCodeAt(0) + (i % 26)) + (i >= 26 ? String(Math.floor(i / 26)) : ''),
    seats,
    ...(i === count - 1 ? { accessible: [1, 2] } : {}),
  }));
}

const seated = (
  name: string,
  price: number,
  color: string,
  rowCount: number,
  perRow: number,
  first = 'A',
): Section => ({
  name,
  price,
  color,
  rows: rows(rowCount, perRow, first),
});

export const demoLayouts = {
  /** Jamsil main stadium: 12,400 seats. */
  stadium: {
    version: 1,
    sections: [
      seated('VIP', 198000, '#ef4444', 20, 60),
      seated('R', 165000, '#6366f1', 40, 80),
      seated('S', 143000, '#0ea5e9', 50, 100, '1'),
      seated('A', 121000, '#10b981', 44, 100, '51'),
    ],
  },
  arena: {
    version: 1,
    sections: [
      { name: '스탠딩', price: 154000, kind: 'standing', capacity: 1200 },
      seated('R', 154000, '#6366f1', 25, 60),
      seated('S', 132000, '#0ea5e9', 30, 70),
    ],
  },
  musicalHall: {
    version: 1,
    sections: [
      seated('VIP', 170000, '#ef4444', 10, 36),
      seated('R', 140000, '#6366f1', 14, 40),
      seated('S', 110000, '#0ea5e9', 12, 40),
      seated('A', 80000, '#10b981', 8, 36),
    ],
  },
  concertHall: {
    version: 1,
    sections: [
      seated('R', 150000, '#6366f1', 12, 30),
      seated('S', 120000, '#0ea5e9', 10, 30),
      seated('A', 90000, '#10b981', 6, 28),
    ],
  },
  smallTheater: {
    version: 1,
    sections: [seated('R', 66000, '#6366f1', 8, 20), seated('S', 55000, '#0ea5e9', 6, 20)],
  },
  ballpark: {
    version: 1,
    sections: [
      seated('테이블석', 90000, '#ef4444', 10, 40),
      seated('블루석', 45000, '#0ea5e9', 40, 60),
      seated('외야석', 20000, '#10b981', 30, 80),
    ],
  },
  exhibition: {
    version: 1,
    sections: [{ name: '일반 입장', price: 20000, kind: 'standing', capacity: 500 }],
  },
  /** Tiny hall: the sold-out demo. */
  recital: { version: 1, sections: [seated('R', 120000, '#6366f1', 4, 16)] },
} satisfies Record<string, Layout>;

export interface DemoEvent {
  title: string;
  category: EventCategory;
  artist: string;
  venueName: string;
  venueAddress: string;
  description: string;
  layout: keyof typeof demoLayouts;
  /** Days from now the show starts (fractional allowed). */
  showInDays: number;
  durationHours: number;
  /** Minutes from now the sale opens (negative = already open). */
  saleOpensInMinutes: number;
  /** Minutes before the show the sale closes. */
  saleClosesBeforeShowMinutes?: number;
  soldOut?: boolean;
  refundPolicyId?: string;
}

export const demoEvents: DemoEvent[] = [
  {
    title: '아이유 HEREH WORLD TOUR in SEOUL',
    category: 'concert',
    artist: '아이유',
    venueName: '잠실종합운동장 주경기장',
    venueAddress: '서울 송파구 올림픽로 25',
    description: '아이유의 월드 투어 서울 공연. 1만 2천여 석 규모의 스타디움 공연입니다.',
    layout: 'stadium',
    showInDays: 30,
    durationHours: 3,
    saleOpensInMinutes: -60 * 24,
  },
  {
    title: '뮤지컬 〈레미제라블〉',
    category: 'musical',
    artist: '민우혁, 최재림',
    venueName: '블루스퀘어 신한카드홀',
    venueAddress: '서울 용산구 이태원로 294',
    description: '빅토르 위고 원작, 전 세계가 사랑한 뮤지컬.',
    layout: 'musicalHall',
    showInDays: 14,
    durationHours: 3,
    saleOpensInMinutes: -60 * 24 * 3,
  },
  {
    title: 'SEVENTEEN FOLLOW AGAIN 팬미팅',
    category: 'concert',
    artist: '세븐틴',
    venueName: 'KSPO DOME',
    venueAddress: '서울 송파구 올림픽로 424',
    description: '세븐틴과 캐럿이 함께하는 팬미팅. 곧 예매가 열립니다.',
    layout: 'arena',
    showInDays: 21,
    durationHours: 3,
    saleOpensInMinutes: 5,
  },
  {
    title: '조성진 피아노 리사이틀',
    category: 'classic',
    artist: '조성진',
    venueName: '예술의전당 콘서트홀',
    venueAddress: '서울 서초구 남부순환로 2406',
    description: '쇼팽과 드뷔시. 전석 매진.',
    layout: 'recital',
    showInDays: 10,
    durationHours: 2,
    saleOpensInMinutes: -60 * 24 * 7,
    soldOut: true,
  },
  {
    title: '연극 〈햄릿〉',
    category: 'theater',
    artist: '국립극단',
    venueName: '국립극장 달오름극장',
    venueAddress: '서울 중구 장충단로 59',
    description: '셰익스피어 4대 비극, 새로운 해석의 햄릿.',
    layout: 'smallTheater',
    showInDays: 7,
    durationHours: 2.5,
    saleOpensInMinutes: -60 * 24 * 2,
  },
  {
    title: '2026 KBO 한국시리즈 1차전',
    category: 'sports',
    artist: 'LG 트윈스 vs 두산 베어스',
    venueName: '잠실야구장',
    venueAddress: '서울 송파구 올림픽로 19-2',
    description: '한국시리즈 개막전. 예매는 3일 후 오픈.',
    layout: 'ballpark',
    showInDays: 12,
    durationHours: 4,
    saleOpensInMinutes: 60 * 24 * 3,
    refundPolicyId: 'strict',
  },
  {
    title: '불멸의 화가 반 고흐 특별전',
    category: 'exhibition',
    artist: '빈센트 반 고흐',
    venueName: '예술의전당 한가람미술관',
    venueAddress: '서울 서초구 남부순환로 2406',
    description: '반 고흐의 원화 70여 점을 만나는 특별전.',
    layout: 'exhibition',
    showInDays: 2,
    durationHours: 8,
    saleOpensInMinutes: -60 * 24 * 10,
  },
  {
    title: '가족 뮤지컬 〈뽀로로와 친구들〉',
    category: 'family',
    artist: '뽀로로',
    venueName: '세종문화회관 M씨어터',
    venueAddress: '서울 종로구 세종대로 175',
    description: '아이와 함께 즐기는 신나는 가족 뮤지컬.',
    layout: 'smallTheater',
    showInDays: 5,
    durationHours: 1.5,
    saleOpensInMinutes: -60 * 24 * 5,
  },
  {
    title: '임영웅 IM HERO 앙코르 콘서트',
    category: 'concert',
    artist: '임영웅',
    venueName: 'KSPO DOME',
    venueAddress: '서울 송파구 올림픽로 424',
    description: '임영웅 전국 투어 앙코르 서울 공연.',
    layout: 'arena',
    showInDays: 40,
    durationHours: 3,
    saleOpensInMinutes: 60 * 24 * 2,
  },
  {
    title: '서울시향 베토벤 교향곡 9번 〈합창〉',
    category: 'classic',
    artist: '서울시립교향악단',
    venueName: '롯데콘서트홀',
    venueAddress: '서울 송파구 올림픽로 300',
    description: '송년 음악회. 베토벤 교향곡 9번.',
    layout: 'concertHall',
    showInDays: 25,
    durationHours: 2,
    saleOpensInMinutes: -60 * 24 * 4,
  },
  {
    title: '잔나비 단독 콘서트 〈환상의 나라〉',
    category: 'concert',
    artist: '잔나비',
    venueName: '올림픽공원 핸드볼경기장',
    venueAddress: '서울 송파구 올림픽로 424',
    description: '잔나비의 겨울 단독 공연.',
    layout: 'arena',
    showInDays: 18,
    durationHours: 2.5,
    saleOpensInMinutes: -60 * 6,
  },
  {
    title: '뮤지컬 〈오페라의 유령〉',
    category: 'musical',
    artist: '조승우',
    venueName: '샤롯데씨어터',
    venueAddress: '서울 송파구 올림픽로 240',
    description: '오늘 밤 공연. 온라인 예매는 마감되었습니다.',
    layout: 'musicalHall',
    showInDays: 2 / 24,
    durationHours: 2.5,
    saleOpensInMinutes: -60 * 24 * 20,
    saleClosesBeforeShowMinutes: 180,
  },
];

/** Korean and English spellings search treats as one. */
export const demoAliases: Array<{ name: string; alias: string; kind: 'artist' | 'venue' }> = [
  { name: '아이유', alias: 'IU', kind: 'artist' },
  { name: '세븐틴', alias: 'SEVENTEEN', kind: 'artist' },
  { name: '임영웅', alias: 'Lim Young-woong', kind: 'artist' },
  { name: '조성진', alias: 'Seong-Jin Cho', kind: 'artist' },
  { name: '잔나비', alias: 'JANNABI', kind: 'artist' },
  { name: '서울시립교향악단', alias: 'Seoul Philharmonic', kind: 'artist' },
  { name: '잠실종합운동장', alias: 'Jamsil Olympic Stadium', kind: 'venue' },
  { name: '예술의전당', alias: 'Seoul Arts Center', kind: 'venue' },
  { name: 'KSPO DOME', alias: '체조경기장', kind: 'venue' },
  { name: '블루스퀘어', alias: 'Blue Square', kind: 'venue' },
];
