import { startPlatform } from './platform';

/**
 * The first embedded start's preparation (see first-start.ts): the platform's services on free
 * ports, which create, migrate and seed the database, then stop and leave it on disk. The gateway
 * and the web app have nothing to prepare; the parent serves them.
 */
// SERVICES holds only the parts with a schema (first-start.ts chose them).
// The public addresses stay the real start's: the seed stores posters' URLs.
const platform = await startPlatform({ env: process.env, ephemeralPorts: true, keepPublicUrls: true });
await platform.stop();
process.exit(0);
