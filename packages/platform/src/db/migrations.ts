import { Migrator, sql, type Kysely, type Migration } from 'kysely';

export type MigrationSet = Record<string, Migration>;

/**
 * Applies a service's migrations inside its own schema. The schema is named explicitly in every
 * migration (`db.withSchema`) so the migrations do not depend on the connection's search_path.
 */
export async function migrateSchema(
  db: Kysely<any>,
  schema: string,
  migrations: MigrationSet,
): Promise<string[]> {
  await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableSchema: schema,
    migrationTableName: 'kysely_migration',
    migrationLockTableName: 'kysely_migration_lock',
    // Areas of one service (catalogue, booking, queue) add migrations independently; names carry a
    // numeric prefix so a fresh database still applies them in a sensible order.
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
