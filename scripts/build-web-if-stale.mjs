// `npm start` builds the web app only when its sources changed since the last build, so a fresh
// clone gets a working UI and a second start is instant.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const web = 'apps/web';
const marker = join(web, 'dist', 'index.html');

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

if (!existsSync(join(web, 'index.html'))) process.exit(0);
const builtAt = existsSync(marker) ? statSync(marker).mtimeMs : 0;
const changed = Math.max(
  newest(join(web, 'src')),
  statSync(join(web, 'index.html')).mtimeMs,
  statSync(join(web, 'vite.config.ts')).mtimeMs,
);
if (builtAt >= changed) process.exit(0);
console.log('building the web app (first start or sources changed)...');
const result = spawnSync('npm', ['run', 'build', '-w', '@tiketi/web', '--silent'], { stdio: 'inherit' });
process.exit(result.status ?? 1);
