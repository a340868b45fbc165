import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { assertProductionSafe, loadConfig, type BaseConfig } from '@tiketi/platform';
import { startTestService, type TestService } from '@tiketi/testing';
import { authService } from '@tiketi/auth';
import type { TObject } from '@sinclair/typebox';
import {
  at,
  defaultPort,
  exists,
  renderTestsEnabled,
  kustomize,
  MIGRATE_SCHEMA,
  NODE_COMPONENTS,
  readYaml,
  type NodeComponent,
} from './deploy.support';

const NODE = Object.keys(NODE_COMPONENTS) as NodeComponent[];
/** Stand-in for values that come from secrets or .env: long enough for every secret's minLength. */
const SECRET = 'x'.repeat(40);
/** Secrets whose schema wants a shape (a relay URL), stood in by one of that shape. */
const SHAPED_SECRETS: Record<string, string> = { SMTP_URL: `smtps://relay:${SECRET}@smtp.example.com:465` };
/** Variables that must come from a secret in production for each component. */
const REQUIRED_SECRETS: Record<string, string[]> = {
  gateway: ['DATABASE_URL', 'REDIS_URL', 'INTERNAL_TOKEN'],
  auth: ['DATABASE_URL', 'REDIS_URL', 'INTERNAL_TOKEN'],
  ticket: ['DATABASE_URL', 'REDIS_URL', 'INTERNAL_TOKEN', 'QUEUE_TOKEN_SECRET'],
  payment: ['DATABASE_URL', 'REDIS_URL', 'INTERNAL_TOKEN'],
  stats: ['DATABASE_URL', 'REDIS_URL', 'INTERNAL_TOKEN'],
};

/** The variables a container gets, with literal values where the manifest has them. */
type Env = Record<string, string | typeof SECRET>;

function checkEnvAgainstSchema(label: string, schema: TObject, env: Env, servesTraffic = true): BaseConfig {
  const unknown = Object.keys(env).filter((k) => !(k in schema.properties));
  expect(unknown, `${label} sets variables its code never reads`).toEqual([]);
  // The values parse as the service would parse them at boot, production checks included.
  const config = loadConfig(schema, env) as BaseConfig;
  // A serving process refuses development secrets in production (the migration job holds none).
  if (servesTraffic) expect(() => assertProductionSafe(config), label).not.toThrow();
  return config;
}

// Compose interpolation: ${VAR}, ${VAR:-default}, ${VAR:?message}.
const interpolate = (value: string) =>
  value.replace(/\$\{([A-Z0-9_]+)(?::?([-?])([^}]*))?\}/g, (_m, _name, op, rest) =>
    op === '-' ? rest : SECRET,
  );

describe('docker compose matches the code', () => {
  const compose = readYaml(at('deploy/compose/docker-compose.yml'));
  const services = compose.services as Record<string, any>;
  const composeEnv = (name: string): Env =>
    Object.fromEntries(
      Object.entries(services[name].environment ?? {}).map(([k, v]) => [k, interpolate(String(v ?? ''))]),
    );

  it('runs PostgreSQL 15, Dragonfly, the five services, web, the migration job and the monitoring stack', () => {
    for (const name of [
      ...NODE,
      'web',
      'migrate',
      'postgres',
      'dragonfly',
      'prometheus',
      'grafana',
      'loki',
      'promtail',
    ]) {
      expect(services, name).toHaveProperty(name);
    }
    expect(services.postgres.image).toMatch(/^postgres:15/);
    expect(services.dragonfly.image).toContain('dragonflydb/dragonfly');
  });

  it.each(NODE)(
    '%s: every variable is one its config schema reads, values parse, production-safe, right port and image',
    (name) => {
      const { schema, portKey } = NODE_COMPONENTS[name];
      const env = composeEnv(name);
      for (const secret of REQUIRED_SECRETS[name]!) expect(env, `${name} ${secret}`).toHaveProperty(secret);
      expect(env.NODE_ENV).toBe('production');
      const config = checkEnvAgainstSchema(`compose ${name}`, schema, env) as BaseConfig &
        Record<string, unknown>;
      const port = config[portKey] as number;
      expect(port).toBe(defaultPort(name));
      const published = [
        ...(services[name].expose ?? []),
        ...(services[name].ports ?? []).map((p: string) => p.split(':').pop()),
      ].map(Number);
      expect(published).toContain(port);
      // The image is built from this repository's Dockerfile for this very service.
      expect(services[name].build.args.SERVICE).toBe(name);
      expect(
        exists(at('deploy/compose', services[name].build.context, services[name].build.dockerfile)),
      ).toBe(true);
      expect(services[name].image).toMatch(new RegExp(`/${name}:`));
      // The health check probes an endpoint every service serves.
      expect(services[name].healthcheck.test.slice(1)).toEqual(['node', 'healthcheck.mjs', '/ready']);
    },
  );

  it('service URLs point at compose services on the ports those services listen on', () => {
    for (const name of NODE) {
      const env = composeEnv(name);
      for (const [key, target] of [
        ['AUTH_URL', 'auth'],
        ['TICKET_URL', 'ticket'],
        ['PAYMENT_URL', 'payment'],
        ['STATS_URL', 'stats'],
      ] as const) {
        expect(env[key], `${name} ${key}`).toBe(`http://${target}:${defaultPort(target)}`);
      }
      expect(env.REDIS_URL).toMatch(/^redis:\/\/dragonfly:6379/);
      expect(new URL(String(env.DATABASE_URL)).host).toBe('postgres:5432');
    }
  });

  it('the migration job reads only what scripts/migrate.ts reads, and everything waits for it', () => {
    checkEnvAgainstSchema('compose migrate', MIGRATE_SCHEMA, composeEnv('migrate'), false);
    expect(services.migrate.build.args.SERVICE).toBe('migrate');
    for (const name of NODE.filter((n) => n !== 'gateway')) {
      expect(services[name].depends_on.migrate.condition).toBe('service_completed_successfully');
    }
  });

  it('web (nginx) gets only the variables its template uses and proxies to the gateway port', () => {
    const template = readFileSync(at('deploy/docker/nginx/default.conf.template'), 'utf8');
    const used = new Set([...template.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((m) => m[1]));
    expect(Object.keys(composeEnv('web')).every((k) => used.has(k))).toBe(true);
    expect(composeEnv('web').GATEWAY_UPSTREAM).toBe(`http://gateway:${defaultPort('gateway')}`);
    expect(template).toMatch(/listen 8080;/);
    expect(template).toMatch(/location = \/healthz/);
    expect(services.web.healthcheck.test).toContain('http://127.0.0.1:8080/healthz');
  });

  it('every referenced service, volume, bind mount and .env variable exists', () => {
    const envExample = readFileSync(at('deploy/compose/.env.example'), 'utf8');
    const declared = new Set([...envExample.matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]));
    const raw = readFileSync(at('deploy/compose/docker-compose.yml'), 'utf8');
    for (const m of raw.matchAll(/\$\{([A-Z0-9_]+)(:?[-?][^}]*)?\}/g)) {
      if (!m[2]?.startsWith(':-')) expect(declared, `${m[1]} is documented in .env.example`).toContain(m[1]);
    }
    for (const [name, svc] of Object.entries(services)) {
      const deps = Array.isArray(svc.depends_on) ? svc.depends_on : Object.keys(svc.depends_on ?? {});
      for (const dep of deps) expect(services, `${name} depends on ${dep}`).toHaveProperty(dep);
      for (const volume of svc.volumes ?? []) {
        const source = String(volume).split(':')[0]!;
        if (source.startsWith('.'))
          expect(exists(at('deploy/compose', source)), `${name}: ${source}`).toBe(true);
        else if (!source.startsWith('/'))
          expect(compose.volumes, `${name}: volume ${source}`).toHaveProperty(source);
      }
    }
  });
});

describe.skipIf(!renderTestsEnabled)('kubernetes matches the code', () => {
  for (const env of ['dev', 'prod']) {
    describe(env, () => {
      const objects = () => kustomize(at(`deploy/k8s/overlays/${env}`));
      const configMap = (name: string) =>
        objects().find((o) => o.kind === 'ConfigMap' && o.metadata.name === name)?.data ?? null;
      const containerEnv = (container: any): Env => {
        const out: Env = {};
        for (const from of container.envFrom ?? []) {
          const data = configMap(from.configMapRef.name);
          expect(data, `ConfigMap ${from.configMapRef.name}`).not.toBeNull();
          Object.assign(out, data);
        }
        for (const e of container.env ?? []) {
          if (e.valueFrom?.secretKeyRef) {
            expect(e.valueFrom.secretKeyRef.key).toBe(e.name);
            out[e.name] = SHAPED_SECRETS[e.name] ?? SECRET;
          } else out[e.name] = String(e.value);
        }
        return out;
      };
      const deployment = (name: string) =>
        objects().find((o) => o.kind === 'Deployment' && o.metadata.name === name);

      it.each(NODE)('%s: variables, port, probes and image match the code', (name) => {
        const { schema, portKey } = NODE_COMPONENTS[name];
        const container = deployment(name).spec.template.spec.containers[0];
        const vars = containerEnv(container);
        for (const secret of REQUIRED_SECRETS[name]!)
          expect(vars[secret], `${name} ${secret} from a secret`).toBe(SECRET);
        const config = checkEnvAgainstSchema(`k8s ${env} ${name}`, schema, vars) as BaseConfig &
          Record<string, unknown>;
        expect(config.NODE_ENV).toBe('production');
        const port = config[portKey] as number;
        expect(container.ports[0].containerPort).toBe(port);
        expect(container.readinessProbe.httpGet.path).toBe('/ready');
        expect(container.livenessProbe.httpGet.path).toBe('/health');
        expect(container.readinessProbe.httpGet.port).toBe(container.ports[0].name);
        expect(container.image).toMatch(new RegExp(`(^|/)tiketi/${name}:[\\w.-]+$`));
        expect(deployment(name).spec.template.metadata.annotations['prometheus.io/port']).toBe(String(port));
        const service = objects().find((o) => o.kind === 'Service' && o.metadata.name === name);
        expect(service.spec.ports[0].port).toBe(port);
        // Service URLs in the shared config reach that Service on that port.
        const key = `${name.toUpperCase()}_URL`;
        if (key in vars) expect(vars[key]).toBe(`http://${name}:${port}`);
        expect(
          container.securityContext.runAsNonRoot ??
            deployment(name).spec.template.spec.securityContext.runAsNonRoot,
        ).toBe(true);
        expect(container.resources.requests).toBeDefined();
        expect(container.resources.limits).toBeDefined();
      });

      it('the migration job reads only what scripts/migrate.ts reads', () => {
        const job = objects().find((o) => o.kind === 'Job');
        const container = job.spec.template.spec.containers[0];
        checkEnvAgainstSchema(`k8s ${env} migrate`, MIGRATE_SCHEMA, containerEnv(container), false);
        expect(container.image).toMatch(/(^|\/)tiketi\/migrate:/);
      });

      it('web: nginx variables and the /healthz probe', () => {
        const template = readFileSync(at('deploy/docker/nginx/default.conf.template'), 'utf8');
        const container = deployment('web').spec.template.spec.containers[0];
        for (const e of container.env) expect(template).toContain(`\${${e.name}}`);
        expect(container.ports[0].containerPort).toBe(8080);
        expect(container.readinessProbe.httpGet.path).toBe('/healthz');
        const upstream = container.env.find((e: any) => e.name === 'GATEWAY_UPSTREAM').value;
        expect(upstream).toBe(`http://gateway:${defaultPort('gateway')}`);
      });
    });
  }
});

describe('the probe and scrape paths exist on a real service', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService(authService);
  });
  afterAll(async () => {
    await service?.close();
  });

  it('answers /health, /ready and /metrics', async () => {
    for (const path of ['/health', '/ready', '/metrics']) {
      const res = await service.app.inject({ method: 'GET', url: path });
      expect(res.statusCode, path).toBe(200);
    }
  });
});
