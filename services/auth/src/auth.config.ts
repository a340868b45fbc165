import { Type, type Static } from '@sinclair/typebox';
import { baseConfigSchema, mergeConfigSchemas } from '@tiketi/platform';

/** Variables only the auth service reads. */
export const authOwnConfig = Type.Object({});

export const authConfigSchema = mergeConfigSchemas(baseConfigSchema, authOwnConfig);
export type AuthConfig = Static<typeof baseConfigSchema> & Static<typeof authOwnConfig>;
