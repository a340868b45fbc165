import { defineService } from '@tiketi/platform';
import { gatewayConfigSchema, type GatewayConfig } from './gateway.config';

export const gatewayService = defineService<GatewayConfig>({
  name: 'gateway',
  portKey: 'GATEWAY_PORT',
  configSchema: gatewayConfigSchema,
  openapi: { title: 'TIKETI API', description: 'The public API: every route buyers and operators use' },
  app: { skipAuth: true, bodyLimit: 11 * 1024 * 1024 },
  async routes() {},
});
