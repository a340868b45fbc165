import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderEnvExample } from '../../../scripts/env-example';

describe('.env.example', () => {
  it('lists every variable the config schemas read, with its default', () => {
    const committed = readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8');
    expect(committed, 'run `npm run env:example` and commit the result').toBe(renderEnvExample());
  });
});
