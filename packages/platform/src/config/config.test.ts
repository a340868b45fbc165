import { describe, expect, it } from 'vitest';
import { assertProductionSafe, baseConfigSchema, ConfigError, loadConfig } from '@tiketi/platform';

describe('config', () => {
  it('applies defaults and converts strings', () => {
    const config = loadConfig(baseConfigSchema, { GATEWAY_PORT: '4001', DEMO_DATA: 'false' });
    expect(config.GATEWAY_PORT).toBe(4001);
    expect(config.DEMO_DATA).toBe(false);
    expect(config.TICKET_PORT).toBe(3002);
    expect(config.PGLITE_DIR).toBe('.data/pglite');
  });

  it('fails with one line naming the bad variable', () => {
    expect(() => loadConfig(baseConfigSchema, { GATEWAY_PORT: 'abc' })).toThrow(ConfigError);
    try {
      loadConfig(baseConfigSchema, { LOG_LEVEL: 'loud' });
    } catch (err) {
      expect((err as Error).message).toMatch(/^Invalid configuration: LOG_LEVEL .*"loud"/);
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('refuses the development internal token in production', () => {
    const config = loadConfig(baseConfigSchema, { NODE_ENV: 'production' });
    expect(() => assertProductionSafe(config)).toThrow(/INTERNAL_TOKEN/);
    expect(() =>
      assertProductionSafe(
        loadConfig(baseConfigSchema, { NODE_ENV: 'production', INTERNAL_TOKEN: 'a-real-secret-of-length' }),
      ),
    ).not.toThrow();
  });
});
