import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { usePGliteTemplate } from '@tiketi/platform';
import { testEnv, uniqueSuffix } from './env';

/** Where one test file's data lives: a fresh PostgreSQL database, or a fresh in-memory PGlite. */
export interface TestDatabase {
  /** Env entries to hand to loadConfig. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

const TEMPLATE_FILE = join(tmpdir(), `tiketi-pglite-template-${PGlite.name}-v1.tar`);
let templateLoaded = false;

/**
 * initdb in PGlite takes seconds; an initialised data directory loads in about one. The first
 * test process writes it to the temp dir and every later one reuses it.
 */
export async function ensurePGliteTemplate(): Promise<void> {
  if (templateLoaded) return;
  if (!existsSync(TEMPLATE_FILE)) {
    const pglite = await PGlite.create('memory://template', { extensions: { pg_trgm } });
    await pglite.exec('create extension if not exists pg_trgm');
    const dump = await pglite.dumpDataDir('none');
    await pglite.close();
    const partial = `${TEMPLATE_FILE}.${process.pid}.tmp`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, TEMPLATE_FILE);
  }
  usePGliteTemplate(new Blob([readFileSync(TEMPLATE_FILE)]));
  templateLoaded = true;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const safeLabel = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 30);
  if (testEnv.databaseUrl) {
    const adminUrl = testEnv.databaseUrl;
    const name = `tiketi_t_${safeLabel}_${uniqueSuffix()}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query(`create database ${name}`);
    } finally {
      await admin.end();
    }
    return {
      env: { DATABASE_URL: withDatabase(adminUrl, name) },
      async drop() {
        const client = new pg.Client({ connectionString: adminUrl });
        await client.connect();
        try {
          await client.query(`drop database if exists ${name} with (force)`);
        } finally {
          await client.end();
        }
      },
    };
  }
  await ensurePGliteTemplate();
  return { env: { PGLITE_DIR: `memory://${safeLabel}_${uniqueSuffix()}` }, drop: async () => undefined };
}
