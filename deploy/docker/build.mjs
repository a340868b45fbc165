// Bundles one service (or the migration job) into dist/<target>/: our TypeScript (every @tiketi/*
// workspace package) is compiled into one ESM file; every third-party package stays external and
// is listed, at the exact version the lockfile installed, in a generated package.json that the
// image installs with `npm ci --omit=dev`. Native and asset-carrying packages (@node-rs/argon2,
// sharp, pg, PGlite's wasm, swagger-ui's static files, pino's worker transports) then work as
// they do in development.
//
//   node deploy/docker/build.mjs <gateway|auth|ticket|payment|stats|migrate> [outDir]
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const TARGETS = {
  gateway: 'apps/gateway/src/server.ts',
  auth: 'services/auth/src/server.ts',
  ticket: 'services/ticket/src/server.ts',
  payment: 'services/payment/src/server.ts',
  stats: 'services/stats/src/server.ts',
  migrate: 'scripts/migrate.ts',
};

/** `@scope/name/sub` -> `@scope/name`; `name/sub` -> `name`. */
export function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const externalThirdParty = {
  name: 'external-third-party',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:') || args.path.startsWith('@tiketi/')) return undefined;
      return { path: args.path, external: true };
    });
  },
};

function installedVersion(name) {
  const pkg = JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8'));
  return pkg.version;
}

export async function bundle(target, outDir = join(root, 'dist', target)) {
  const entry = TARGETS[target];
  if (!entry) throw new Error(`unknown target "${target}"; one of ${Object.keys(TARGETS).join(', ')}`);
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile: join(outDir, 'server.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
    plugins: [externalThirdParty],
    // Bundled CommonJS helpers may call require(); give ESM output one.
    banner: {
      js: "import { createRequire as __tiketiCreateRequire } from 'node:module'; const require = __tiketiCreateRequire(import.meta.url);",
    },
  });
  const externals = new Set();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const imported of output.imports) {
      if (imported.external && !imported.path.startsWith('node:')) externals.add(packageName(imported.path));
    }
  }
  // pino loads its pretty transport by name at run time; production logs JSON, but keep it resolvable.
  if (externals.has('pino')) externals.add('pino-pretty');
  const dependencies = Object.fromEntries(
    [...externals].sort().map((name) => [name, installedVersion(name)]),
  );
  const manifest = {
    name: `@tiketi/${target}-image`,
    private: true,
    version: '0.0.0',
    type: 'module',
    main: 'server.mjs',
    dependencies,
  };
  writeFileSync(join(outDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return { outDir, dependencies };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [target, outDir] = process.argv.slice(2);
  const { outDir: written, dependencies } = await bundle(target, outDir && resolve(outDir));
  process.stdout.write(
    `${target}: ${written}/server.mjs (${Object.keys(dependencies).length} external packages)\n`,
  );
}
