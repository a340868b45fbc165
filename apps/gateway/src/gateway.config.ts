import { Type, type Static } from '@sinclair/typebox';
import { baseConfigSchema, mergeConfigSchemas } from '@tiketi/platform';

/** Variables only the gateway reads. */
export const gatewayOwnConfig = Type.Object({
  CORS_ORIGINS: Type.String({
    default: 'http://localhost:3000,http://127.0.0.1:3000',
    description: 'comma-separated origins allowed to call the API from a browser',
  }),
  GATEWAY_BODY_LIMIT_BYTES: Type.Integer({ default: 1024 * 1024, description: 'largest JSON body accepted (uploads have their own limit)' }),
  GATEWAY_UPLOAD_LIMIT_BYTES: Type.Integer({ default: 11 * 1024 * 1024, description: 'largest multipart upload accepted (posters)' }),
  RATE_LIMIT_IP_PER_MINUTE: Type.Integer({ default: 600, minimum: 1, description: 'requests per minute per client IP' }),
  RATE_LIMIT_USER_PER_MINUTE: Type.Integer({ default: 300, minimum: 1, description: 'requests per minute per signed-in user' }),
});

export const gatewayConfigSchema = mergeConfigSchemas(baseConfigSchema, gatewayOwnConfig);
export type GatewayConfig = Static<typeof baseConfigSchema> & Static<typeof gatewayOwnConfig>;
