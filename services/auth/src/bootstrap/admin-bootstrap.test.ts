import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@tiketi/platform';
import { authConfigSchema, type AuthConfig } from '../auth.config';
import { authService } from '../auth.service';
import { startAuthHarness, type AuthHarness } from '../auth.testkit';
import { adminPasswordWeakness } from '../account/passwords';
import { assertAdminConfig, DEMO_ADMIN } from './admin-bootstrap';

const config = (env: Record<string, string>) => loadConfig(authConfigSchema, env) as AuthConfig;

describe('auth: admin bootstrap and demo seed', () => {
  let h: AuthHarness;
  beforeAll(async () => {
    h = await startAuthHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('refuses weak or half-given admin credentials in production with one config line', () => {
    for (const password of [
      'admin123',
      'short-1A',
      'passwordpassword',
      'aaaaaaaaaaaaaA1!',
      'Ops-Team-ops@-2026',
    ]) {
      expect(() =>
        assertAdminConfig(
          config({ NODE_ENV: 'production', ADMIN_EMAIL: 'ops@tiketi.com', ADMIN_PASSWORD: password }),
        ),
      ).toThrow(ConfigError);
    }
    expect(() =>
      assertAdminConfig(config({ NODE_ENV: 'production', ADMIN_EMAIL: 'ops@tiketi.com' })),
    ).toThrow(/ADMIN_PASSWORD must be set/);
    expect(() =>
      assertAdminConfig(
        config({
          NODE_ENV: 'production',
          ADMIN_EMAIL: 'ops@tiketi.com',
          ADMIN_PASSWORD: 'Str0ng-Enough-Secret!',
        }),
      ),
    ).not.toThrow();
    expect(() => assertAdminConfig(config({ NODE_ENV: 'production' }))).not.toThrow();
    expect(adminPasswordWeakness('admin123', 'a@b.c')).toMatch(/12 characters/);
  });

  it('never seeds the demo admin in production, and seeds it once elsewhere', async () => {
    const prodCtx = {
      ...h.service.ctx,
      config: { ...h.service.ctx.config, NODE_ENV: 'production' as const },
    };
    await authService.seed!(prodCtx);
    expect(
      await h.service.ctx.db.selectFrom('users').select('id').where('email', '=', DEMO_ADMIN.email).execute(),
    ).toEqual([]);

    await authService.seed!(h.service.ctx);
    await authService.seed!(h.service.ctx);
    const rows = await h.service.ctx.db
      .selectFrom('users')
      .select(['id', 'role'])
      .where('email', '=', DEMO_ADMIN.email)
      .execute();
    expect(rows).toEqual([{ id: expect.stringMatching(/^usr_/), role: 'admin' }]);
    const session = await h.login(DEMO_ADMIN.email, DEMO_ADMIN.password);
    expect(session.user.role).toBe('admin');
  });

  it('promotes an existing buyer named by ADMIN_EMAIL without touching the password', async () => {
    const buyer = await h.register({ email: 'later-admin@test.tiketi', password: 'buyer-own-pass-1' });
    // A restart (here: another replica) with ADMIN_EMAIL naming the buyer, in another case.
    await h.replica({ ADMIN_EMAIL: 'Later-Admin@test.tiketi', ADMIN_PASSWORD: 'Different-Pass-42' });
    const row = await h.service.ctx.db
      .selectFrom('users')
      .select('role')
      .where('id', '=', buyer.user.id)
      .executeTakeFirstOrThrow();
    expect(row.role).toBe('admin');
    const session = await h.login('later-admin@test.tiketi', 'buyer-own-pass-1');
    expect(session.user).toMatchObject({ id: buyer.user.id, role: 'admin' });
    expect(
      (await h.post('/api/auth/login', { email: 'later-admin@test.tiketi', password: 'Different-Pass-42' }))
        .statusCode,
    ).toBe(401);
  });

  it('the standalone server exits with one line when production gets a weak ADMIN_PASSWORD', async () => {
    const result = await new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'services/auth/src/server.ts'], {
        env: {
          PATH: process.env.PATH,
          // Never reached: the check runs before any database is opened.
          DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
          NODE_ENV: 'production',
          LOG_LEVEL: 'silent',
          INTERNAL_TOKEN: 'a-long-production-internal-secret',
          ADMIN_EMAIL: 'ops@tiketi.com',
          ADMIN_PASSWORD: 'admin123',
          AUTH_PORT: '0',
          HOST: '127.0.0.1',
        },
      });
      let stderr = '';
      let stdout = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.stdout.on('data', (d) => (stdout += d));
      child.on('exit', (code) => resolve({ code, stderr, stdout }));
    });
    expect(result.code).toBe(78);
    expect(result.stderr.trim().split('\n')).toEqual([
      'Invalid configuration: ADMIN_PASSWORD is too weak for production: it must be at least 12 characters',
    ]);
  }, 60_000);
});
