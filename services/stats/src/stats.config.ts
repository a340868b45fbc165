import { Type, type Static } from '@sinclair/typebox';
import { baseConfigSchema, mergeConfigSchemas } from '@tiketi/platform';

/** Variables only the stats service reads. */
export const statsOwnConfig = Type.Object({});

export const statsConfigSchema = mergeConfigSchemas(baseConfigSchema, statsOwnConfig);
export type StatsConfig = Static<typeof baseConfigSchema> & Static<typeof statsOwnConfig>;
