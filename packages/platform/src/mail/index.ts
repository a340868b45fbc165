export * from './mailer';
export * from './smtp-mailer';
export * from './disk-mailer';
export * from './create-mailer';
