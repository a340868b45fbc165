// `npm run migrate`: applies every service's migrations to the configured database (DATABASE_URL,
// or the embedded PGlite under PGLITE_DIR) without starting servers. Services also migrate at boot;
// production runs this as a one-shot job before rolling out.
import {
  createDatabase,
  createLogger,
  databaseOptionsFromConfig,
  loadConfig,
  migrateSchema,
  type ServiceDefinition,
} from '@tiketi/platform';
import { authService } from '@tiketi/auth';
import { createTicketService } from '@tiketi/ticket';
import { paymentService } from '@tiketi/payment';
import { statsService } from '@tiketi/stats';
import { platformConfigSchema, type PlatformConfig } from '@tiketi/all-in-one';

const config = loadConfig(platformConfigSchema, process.env) as unknown as PlatformConfig;
const log = createLogger(config, 'migrate');
const only = process.argv.slice(2);
const definitions: ServiceDefinition<any>[] = [
  authService,
  createTicketService(),
  paymentService,
  statsService,
];
for (const definition of definitions) {
  if (!definition.schema || (only.length > 0 && !only.includes(definition.name))) continue;
  const database = await createDatabase(
    databaseOptionsFromConfig(config, definition.schema, `tiketi-migrate-${definition.name}`),
  );
  try {
    const applied = await migrateSchema(database.db, definition.schema, definition.migrations ?? {});
    log.info(
      { schema: definition.schema, applied },
      applied.length ? `${definition.schema}: applied ${applied.length}` : `${definition.schema}: up to date`,
    );
  } finally {
    await database.close();
  }
}
process.exit(0);
