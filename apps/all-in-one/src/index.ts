export * from './platform';
export * from './web-server';
