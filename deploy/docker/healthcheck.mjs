// Container health probe for the service images: GET <path> (default /health; /ready also checks
// the database and Redis) on the port the service listens on (<SERVICE>_PORT, as its config reads
// it).   node healthcheck.mjs [/health|/ready]
// The one-shot migration image has no server and is always healthy.
// It runs alone inside the image (no @tiketi/platform there), so it reads its two variables itself.
/* eslint-disable no-restricted-properties */
/* global fetch, AbortSignal */
const service = process.env.TIKETI_SERVICE ?? '';
const defaults = { gateway: 3001, ticket: 3002, payment: 3003, stats: 3004, auth: 3005 };
if (!(service in defaults)) process.exit(0);
const path = process.argv[2] ?? '/health';
const port = Number(process.env[`${service.toUpperCase()}_PORT`] ?? defaults[service]);
try {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(2500) });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
