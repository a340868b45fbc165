export * from './events';
export * from './common';
export * from './booking';
