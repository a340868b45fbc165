/**
 * Recomputes every stats read model from the stored event history.
 *   npm run stats:rebuild -w services/stats         (asks the running stats service, else works on the database)
 *   npm run stats:rebuild -w services/stats -- --direct   (always works on the database itself)
 * Asking the running service first matters in embedded mode: a PGlite directory must not be opened
 * by two processes at once.
 */
import {
  createDatabase,
  databaseOptionsFromConfig,
  INTERNAL_TOKEN_HEADER,
  loadConfigOrExit,
  migrateSchema,
} from '@tiketi/platform';
import { statsConfigSchema, type StatsConfig } from './stats.config';
import { statsService } from './stats.service';
import { rebuildReadModels } from './projection/stats.ingest';

// eslint-disable-next-line no-restricted-properties -- an entry point: hands the environment to loadConfig once
const config = loadConfigOrExit<StatsConfig>(statsConfigSchema, process.env);
const report = (how: string, result: unknown) =>
  process.stdout.write(`${JSON.stringify({ rebuilt: how, ...(result as object) })}\n`);

async function viaService(): Promise<boolean> {
  let res: Response;
  try {
    res = await fetch(`${config.STATS_URL}/internal/stats/rebuild`, {
      method: 'POST',
      headers: { [INTERNAL_TOKEN_HEADER]: config.INTERNAL_TOKEN },
    });
  } catch {
    return false;
  }
  if (!res.ok) throw new Error(`stats service refused the rebuild: ${res.status} ${await res.text()}`);
  report('service', await res.json());
  return true;
}

async function direct(): Promise<void> {
  const database = await createDatabase(databaseOptionsFromConfig(config, 'stats', 'tiketi-stats-rebuild'));
  try {
    await migrateSchema(database.db, 'stats', statsService.migrations ?? {});
    report('database', await rebuildReadModels(database.db.withSchema('stats')));
  } finally {
    await database.close();
  }
}

try {
  if (process.argv.includes('--direct') || !(await viaService())) await direct();
} catch (err) {
  process.stderr.write(`stats rebuild failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
