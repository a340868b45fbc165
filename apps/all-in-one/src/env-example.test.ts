import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderEnvExample, withConfigTable } from '../../../scripts/env-example';

describe('.env.example', () => {
  it('lists every variable the config schemas read, with its default', () => {
    const committed = readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8');
    expect(committed, 'run `npm run env:example` and commit the result').toBe(renderEnvExample());
  });

  it('matches the README configuration table', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    expect(readme, 'run `npm run env:example` and commit the result').toBe(withConfigTable(readme));
  });
});
