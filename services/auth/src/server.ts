import { ConfigError, loadConfigOrExit, runStandalone } from '@tiketi/platform';
import { authConfigSchema, type AuthConfig } from './auth.config';
import { authService } from './auth.service';
import { assertAdminConfig } from './bootstrap/admin-bootstrap';

// The entry point is where the environment comes in (runStandalone reads it the same way).
const env = process.env;

try {
  // A refused ADMIN_PASSWORD is a configuration error: one line, before any database is opened.
  assertAdminConfig(loadConfigOrExit<AuthConfig>(authConfigSchema, env));
  await runStandalone(authService, env);
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(78);
  }
  throw err;
}
