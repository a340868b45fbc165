import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@tiketi/platform';
import { uniqueSuffix } from '@tiketi/testing';
import { bundle, TARGETS } from '../../deploy/docker/build.mjs';
import { at, exists } from './deploy.support';

// Inside the repository so the bundles resolve node_modules as the image's `npm ci` layout does.
const outRoot = at('.data', `deploy-bundle-${uniqueSuffix()}`);

describe('image bundles (deploy/docker/build.mjs)', () => {
  afterAll(() => rmSync(outRoot, { recursive: true, force: true }));

  it('has a target for every Node component and the migration job, each an existing entry point', () => {
    expect(Object.keys(TARGETS).sort()).toEqual(['auth', 'gateway', 'migrate', 'payment', 'stats', 'ticket']);
    for (const entry of Object.values(TARGETS)) expect(exists(at(entry)), entry).toBe(true);
  });

  it.each(Object.keys(TARGETS))(
    '%s bundles our code and pins every third-party package it imports',
    async (target) => {
      const { outDir, dependencies } = await bundle(target, join(outRoot, target));
      const code = readFileSync(join(outDir, 'server.mjs'), 'utf8');
      // Workspace packages are compiled in, third-party ones stay external.
      expect(code).not.toMatch(/from ["']@tiketi\//);
      for (const [name, version] of Object.entries(dependencies)) {
        expect(name.startsWith('@tiketi/')).toBe(false);
        const installed = JSON.parse(readFileSync(at('node_modules', name, 'package.json'), 'utf8')).version;
        expect(version, name).toBe(installed);
      }
      const manifest = JSON.parse(readFileSync(join(outDir, 'package.json'), 'utf8'));
      expect(manifest.dependencies).toEqual(dependencies);
      if (target === 'auth')
        expect(Object.keys(dependencies)).toEqual(
          expect.arrayContaining(['@node-rs/argon2', 'pg', '@electric-sql/pglite']),
        );
      if (target === 'ticket')
        expect(Object.keys(dependencies)).toEqual(expect.arrayContaining(['sharp', 'socket.io']));
    },
  );

  it('the gateway bundle boots with plain node in production mode and answers /health and /ready', async () => {
    const { outDir } = await bundle('gateway', join(outRoot, 'gateway-boot'));
    const port = await freePort();
    const child = spawn(process.execPath, ['server.mjs'], {
      cwd: outDir,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        INTERNAL_TOKEN: 'a-long-internal-secret-for-the-test',
        GATEWAY_PORT: String(port),
        HOST: '127.0.0.1',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    try {
      let health: Response | null = null;
      for (let i = 0; i < 120 && !health; i++) {
        health = await fetch(`http://127.0.0.1:${port}/health`).catch(() => null);
        if (!health) await new Promise((r) => setTimeout(r, 250));
        if (child.exitCode !== null) throw new Error(`bundle exited: ${stderr}`);
      }
      expect(health?.status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(200);
      // Swagger UI serves its static files from its package: it must stay resolvable outside the bundle.
      expect((await fetch(`http://127.0.0.1:${port}/api-docs/static/index.html`)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }, 60_000);
});
