export * from './env';
export * from './database';
export * from './keys';
export * from './parts';
export * from './redis-keys';
export * from './service';
export * from './coordination.contract';
export * from './outage';
