import { ConfigError, createLogger, installGracefulShutdown } from '@tiketi/platform';
import { prepareEmbeddedDatabase } from './first-start';
import { startPlatform } from './platform';

/** `npm start`: every service on its own port in this one process, plus the web app. */
try {
  const started = Date.now();
  await prepareEmbeddedDatabase(process.env);
  const platform = await startPlatform({ env: process.env });
  const log = createLogger(platform.config, 'tiketi');
  const mode = platform.config.DATABASE_URL
    ? 'PostgreSQL'
    : `embedded PGlite (${platform.config.PGLITE_DIR})`;
  const coordination = platform.config.REDIS_URL ? 'Redis' : 'in-process';
  log.info(
    { urls: platform.urls, database: mode, coordination, ms: Date.now() - started },
    `TIKETI is up: web ${platform.config.PUBLIC_WEB_URL}, API ${platform.config.PUBLIC_API_URL}, docs ${platform.config.PUBLIC_API_URL}/api-docs`,
  );
  installGracefulShutdown(() => platform.stop(), log, platform.config.SHUTDOWN_TIMEOUT_MS);
} catch (err) {
  if (
    err instanceof ConfigError ||
    (err instanceof Error && err.message.startsWith('Invalid configuration'))
  ) {
    process.stderr.write(`${err.message}\n`);
    process.exit(78);
  }
  throw err;
}
