export * from './events';
export * from './common';
