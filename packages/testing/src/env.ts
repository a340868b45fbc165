/**
 * The test environment, read once. CI runs the suite twice: with TIKETI_TEST_DATABASE_URL and
 * TIKETI_TEST_REDIS_URL pointing at real servers, and with neither (embedded PGlite and in-process
 * coordination). TIKETI_TEST_REQUIRE_REAL=1 turns a missing server into a failure instead of a skip.
 */
export const testEnv = {
  databaseUrl: process.env.TIKETI_TEST_DATABASE_URL || undefined,
  redisUrl: process.env.TIKETI_TEST_REDIS_URL || undefined,
  requireReal: process.env.TIKETI_TEST_REQUIRE_REAL === '1',
};

export const testMode: 'real' | 'embedded' = testEnv.databaseUrl ? 'real' : 'embedded';

function required(name: string, value: string | undefined): string | undefined {
  if (!value && testEnv.requireReal) {
    throw new Error(`${name} must be set: this run was asked for real servers (TIKETI_TEST_REQUIRE_REAL=1)`);
  }
  return value;
}

/** Redis URL for tests that exercise Redis itself; undefined means skip (never when CI requires it). */
export function realRedisUrl(): string | undefined {
  return required('TIKETI_TEST_REDIS_URL', testEnv.redisUrl);
}

export function realDatabaseUrl(): string | undefined {
  return required('TIKETI_TEST_DATABASE_URL', testEnv.databaseUrl);
}

/**
 * One id per `npm test` (set by the global setup): every Redis key a test makes starts with
 * `t:<run>:`, and the run's teardown deletes them all.
 */
export const testRunId = process.env.TIKETI_TEST_RUN_ID || 'adhoc';

/** A key prefix (or stream name stem) of its own for one test's Redis keys. */
export function testRedisPrefix(): string {
  return `t:${testRunId}:${uniqueSuffix()}:`;
}

export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}
