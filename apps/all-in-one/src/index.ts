export * from './platform';
export * from './web-server';
export * from './first-start';
