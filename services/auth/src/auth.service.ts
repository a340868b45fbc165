import { defineService, outboxMigration } from '@tiketi/platform';
import { authConfigSchema, type AuthConfig } from './auth.config';

export const authService = defineService<AuthConfig>({
  name: 'auth',
  portKey: 'AUTH_PORT',
  schema: 'auth',
  configSchema: authConfigSchema,
  migrations: {
    '0001_outbox': outboxMigration('auth'),
  },
  openapi: { title: 'TIKETI auth service', description: 'Auth service API' },
  async routes() {},
});
