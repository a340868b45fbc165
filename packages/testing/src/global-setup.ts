import { ensurePGliteTemplate } from './database';
import { testEnv } from './env';

/** Builds the PGlite template once before the workers start, so they do not race to create it. */
export default async function setup(): Promise<void> {
  if (!testEnv.databaseUrl) await ensurePGliteTemplate();
}
