export { TossFake } from './toss.fake';
export { KakaoPayFake } from './kakaopay.fake';
export { NaverPayFake } from './naverpay.fake';
export type { FakeKnobs, FakeServer } from './fake.base';
