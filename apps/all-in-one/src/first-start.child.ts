import { startPlatform } from './platform';

/**
 * The first embedded start's preparation (see first-start.ts): the platform's services on free
 * ports, which create, migrate and seed the database, then stop and leave it on disk. The web app
 * is not served here; the parent serves it.
 */
const services = (process.env.SERVICES ?? 'auth,ticket,payment,stats,gateway,web')
  .split(',')
  .map((s) => s.trim())
  .filter((s) => s && s !== 'web' && s !== 'gateway');
const platform = await startPlatform({
  env: { ...process.env, SERVICES: services.join(',') || 'auth' },
  ephemeralPorts: true,
});
await platform.stop();
process.exit(0);
