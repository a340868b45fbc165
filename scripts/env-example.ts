// Writes .env.example from the config schemas every process validates at boot, so the list of
// variables can never drift from what the code reads. `npm run env:example`; a test compares.
import { readFileSync, writeFileSync } from 'node:fs';
import { platformConfigSchema } from '@tiketi/all-in-one';

export function renderEnvExample(): string {
  const lines = [
    '# TIKETI configuration. Every variable is optional in development: the defaults below run the',
    '# embedded platform (PGlite, in-process coordination, files on disk). Generated from the config',
    '# schemas by `npm run env:example`; do not edit by hand.',
    '',
  ];
  for (const [name, schema] of Object.entries(platformConfigSchema.properties) as Array<
    [string, { description?: string; default?: unknown }]
  >) {
    if (schema.description) lines.push(`# ${schema.description}`);
    const value = schema.default === undefined ? '' : String(schema.default);
    lines.push(schema.default === undefined ? `# ${name}=` : `${name}=${value}`);
    lines.push('');
  }
  return lines.join('\n');
}

/** The README's configuration table, between its config markers. */
export function renderConfigTable(): string {
  const rows = ['| Variable | Default | Meaning |', '| --- | --- | --- |'];
  for (const [name, schema] of Object.entries(platformConfigSchema.properties) as Array<
    [string, { description?: string; default?: unknown }]
  >) {
    const value =
      schema.default === undefined || schema.default === '' ? '—' : `\`${String(schema.default)}\``;
    rows.push(`| \`${name}\` | ${value} | ${(schema.description ?? '').replace(/\|/g, '\\|')} |`);
  }
  return rows.join('\n');
}

export function withConfigTable(readme: string): string {
  return readme.replace(
    /<!-- config:start -->[\s\S]*<!-- config:end -->/,
    `<!-- config:start -->\n${renderConfigTable()}\n<!-- config:end -->`,
  );
}

if (process.argv[1]?.endsWith('env-example.ts')) {
  writeFileSync('.env.example', renderEnvExample());
  writeFileSync('README.md', withConfigTable(readFileSync('README.md', 'utf8')));
  console.log('wrote .env.example and the README configuration table');
}
