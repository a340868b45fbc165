import { describe, expect, it } from 'vitest';
import { accessSync, constants, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { at, COMPONENTS, exists, listFiles, readYaml } from './deploy.support';

const workflows = listFiles(at('.github/workflows'), (n) => n.endsWith('.yml') || n.endsWith('.yaml'));
const rootScripts = JSON.parse(readFileSync(at('package.json'), 'utf8')).scripts as Record<string, string>;

function runLines(doc: any): string[] {
  return Object.values(doc.jobs ?? {}).flatMap((job: any) =>
    (job.steps ?? []).map((s: any) => s.run).filter(Boolean),
  );
}

describe('github workflows', () => {
  it('has a pipeline per component, the reusable component workflow, CI and prod promotion', () => {
    const names = workflows.map((f) => basename(f));
    for (const c of COMPONENTS) expect(names).toContain(`${c}.yml`);
    for (const n of ['component.yml', 'ci.yml', 'promote-prod.yml']) expect(names).toContain(n);
  });

  it.each(workflows.map((f) => [basename(f), f]))(
    '%s is valid YAML whose every reference exists',
    (_name, file) => {
      const doc = readYaml(file);
      expect(doc.on, 'trigger').toBeDefined();
      expect(Object.keys(doc.jobs).length).toBeGreaterThan(0);
      for (const [id, job] of Object.entries<any>(doc.jobs)) {
        expect(Boolean(job['runs-on']) || Boolean(job.uses), `job ${id}`).toBe(true);
        if (typeof job.uses === 'string' && job.uses.startsWith('./'))
          expect(exists(at(job.uses)), job.uses).toBe(true);
        for (const step of job.steps ?? []) {
          expect(Boolean(step.uses) !== Boolean(step.run), `job ${id} step ${step.name ?? step.uses}`).toBe(
            true,
          );
          if (step.with?.file && !String(step.with.file).includes('${{'))
            expect(exists(at(step.with.file))).toBe(true);
          // Both Dockerfiles the expression can pick exist.
          for (const m of String(step.with?.file ?? '').matchAll(/'(deploy\/[^']+)'/g))
            expect(exists(at(m[1]!)), m[1]).toBe(true);
        }
      }
      for (const line of runLines(doc)) {
        for (const m of line.matchAll(/npm run ([\w:-]+)/g))
          expect(rootScripts, `npm run ${m[1]}`).toHaveProperty(m[1]!);
        for (const m of line.matchAll(/((?:deploy|scripts)\/[\w./-]+\.(?:sh|mjs|ts))/g)) {
          expect(exists(at(m[1]!)), m[1]).toBe(true);
          if (m[1]!.endsWith('.sh'))
            expect(() => accessSync(at(m[1]!), constants.X_OK), `${m[1]} is executable`).not.toThrow();
        }
        for (const m of line.matchAll(/deploy\/k8s\/overlays\/(\w+)\//g))
          expect(exists(at('deploy/k8s/overlays', m[1]!))).toBe(true);
      }
    },
  );

  it.each([...COMPONENTS])('%s.yml runs on its own paths and tests paths that exist', (component) => {
    const doc = readYaml(at(`.github/workflows/${component}.yml`));
    const paths: string[] = doc.on.push.paths;
    expect(paths).toContain('.github/workflows/component.yml');
    for (const path of paths) {
      const base = path.split('*')[0]!.replace(/\/$/, '');
      expect(exists(at(base)), path).toBe(true);
    }
    const call = doc.jobs.pipeline;
    expect(call.uses).toBe('./.github/workflows/component.yml');
    expect(call.with.component).toBe(component);
    for (const p of String(call.with['test-paths']).split(/\s+/)) expect(exists(at(p)), p).toBe(true);
    expect(exists(at(`deploy/k8s/overlays/dev/${component}/kustomization.yaml`))).toBe(true);
  });

  it('the component pipeline tests on PostgreSQL and Redis, pushes to ECR through OIDC, and bumps the dev overlay', () => {
    const doc = readYaml(at('.github/workflows/component.yml'));
    expect(Object.keys(doc.jobs.test.services).sort()).toEqual(['postgres', 'redis']);
    const testRuns = runLines({ jobs: { test: doc.jobs.test } }).join('\n');
    for (const step of ['npm ci', 'npm run check', 'npm run lint', 'npx vitest run'])
      expect(testRuns).toContain(step);
    expect(doc.jobs.image.permissions['id-token']).toBe('write');
    const uses = doc.jobs.image.steps.map((s: any) => s.uses).filter(Boolean);
    expect(uses).toEqual(
      expect.arrayContaining([
        'aws-actions/configure-aws-credentials@v4',
        'aws-actions/amazon-ecr-login@v2',
        'docker/build-push-action@v6',
      ]),
    );
    expect(runLines({ jobs: { d: doc.jobs['deploy-dev'] } }).join('\n')).toContain(
      'deploy/scripts/bump-image.sh dev',
    );
    const bump = readFileSync(at('deploy/scripts/bump-image.sh'), 'utf8');
    expect(bump).toContain('kustomize edit set image');
  });
});

describe('docker images', () => {
  const dockerfiles = ['deploy/docker/service.Dockerfile', 'deploy/docker/web.Dockerfile'];

  it.each(dockerfiles)(
    '%s is multi-stage, runs unprivileged with a HEALTHCHECK and copies files that exist',
    (path) => {
      const text = readFileSync(at(path), 'utf8');
      expect((text.match(/^FROM /gm) ?? []).length).toBeGreaterThanOrEqual(2);
      const runtime = text.slice(text.lastIndexOf('\nFROM '));
      expect(runtime).toMatch(/^USER (node|101)$/m);
      expect(runtime).toMatch(/^HEALTHCHECK /m);
      expect(runtime).not.toMatch(/npm ci(?! --omit=dev)/);
      for (const m of text.matchAll(/^COPY (?!--from)(\S+) /gm))
        if (m[1] !== '.') expect(exists(at(m[1]!)), m[1]).toBe(true);
      expect(exists(at(`${path}.dockerignore`))).toBe(true);
      expect(readFileSync(at(`${path}.dockerignore`), 'utf8')).toMatch(/^\*\*\/node_modules$/m);
    },
  );

  it('service images start with node on the bundle, never a dev runner', () => {
    const text = readFileSync(at('deploy/docker/service.Dockerfile'), 'utf8');
    expect(text).toMatch(/^CMD \["node", "--enable-source-maps", "server\.mjs"\]$/m);
    expect(text).not.toMatch(/tsx/);
    expect(text).toContain('NODE_ENV=production');
  });
});
