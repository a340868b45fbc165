import { describe, expect, it } from 'vitest';
import { relative, resolve } from 'node:path';
import {
  at,
  COMPONENTS,
  exists,
  renderTestsEnabled,
  kustomizationDirs,
  kustomize,
  listFiles,
  readYaml,
} from './deploy.support';

/** The roots: rendering them renders every other kustomization, which they include as resources. */
const ROOTS = ['deploy/k8s/base', 'deploy/k8s/overlays/dev', 'deploy/k8s/overlays/prod'];

// kubectl renders the overlays; CI installs it (see .ci/run). Without it only the render is skipped.
const withKubectl = describe.skipIf(!renderTestsEnabled);

async function modelFor(
  apiVersion: string,
  kind: string,
): Promise<(new (data: unknown) => { validate(): void }) | null> {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const path = group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`;
  try {
    const mod = (await import(path)) as Record<string, new (data: unknown) => { validate(): void }>;
    return mod[kind] ?? null;
  } catch {
    return null;
  }
}

withKubectl('kubernetes manifests', () => {
  const dirs = kustomizationDirs();
  it('has a base, dev and prod overlays, and one overlay directory per component per environment', () => {
    const rel = dirs.map((d) => relative(at('deploy/k8s'), d));
    expect(rel).toContain('base');
    for (const env of ['dev', 'prod']) {
      expect(rel).toContain(`overlays/${env}`);
      for (const c of [...COMPONENTS, 'platform']) expect(rel).toContain(`overlays/${env}/${c}`);
    }
  });

  it('every kustomization is included by a root, so rendering the roots renders it', () => {
    const included = new Set(ROOTS.map((r) => at(r)));
    for (const dir of dirs) {
      for (const resource of readYaml(`${dir}/kustomization.yaml`).resources ?? [])
        included.add(resolve(dir, resource));
    }
    for (const dir of dirs) expect(included.has(dir), relative(at(), dir)).toBe(true);
  });

  it.each(ROOTS)('%s renders and every object validates against the Kubernetes schema', async (root) => {
    const objects = kustomize(at(root));
    expect(objects.length).toBeGreaterThan(0);
    for (const obj of objects) {
      expect(obj.apiVersion, JSON.stringify(obj.metadata)).toBeTruthy();
      const Model = await modelFor(obj.apiVersion, obj.kind);
      expect(Model, `${obj.apiVersion} ${obj.kind} is a known Kubernetes kind`).not.toBeNull();
      expect(() => new Model!(obj).validate(), `${obj.kind}/${obj.metadata?.name}`).not.toThrow();
    }
  });

  it('overlays put everything in their namespace and keep secrets out of git', () => {
    for (const env of ['dev', 'prod']) {
      const objects = kustomize(at(`deploy/k8s/overlays/${env}`));
      for (const obj of objects) {
        if (obj.kind === 'Namespace') expect(obj.metadata.name).toBe(`tiketi-${env}`);
        else expect(obj.metadata.namespace, `${obj.kind}/${obj.metadata.name}`).toBe(`tiketi-${env}`);
        expect(obj.kind).not.toBe('Secret');
      }
      const names = new Set(objects.map((o) => `${o.kind}/${o.metadata.name}`));
      for (const c of ['gateway', 'auth', 'ticket', 'payment', 'stats', 'web']) {
        expect(names).toContain(`Deployment/${c}`);
        expect(names).toContain(`Service/${c}`);
        expect(names).toContain(`PodDisruptionBudget/${c}`);
      }
      for (const c of ['gateway', 'ticket']) expect(names).toContain(`HorizontalPodAutoscaler/${c}`);
      expect(names).toContain('Job/tiketi-migrate');
      expect(names).toContain('Ingress/tiketi');
      expect(names).toContain('NetworkPolicy/default-deny-ingress');
      if (env === 'dev') {
        expect(names).toContain('StatefulSet/postgres');
        expect(names).toContain('StatefulSet/dragonfly');
      } else {
        expect([...names].some((n) => n.startsWith('StatefulSet/'))).toBe(false);
      }
    }
  });

  it('the ingress sends / to web and /api, /api-docs, /socket.io to the gateway; prod uses an ALB', () => {
    for (const env of ['dev', 'prod']) {
      const ingress = kustomize(at(`deploy/k8s/overlays/${env}/platform`)).find((o) => o.kind === 'Ingress');
      const paths = Object.fromEntries(
        ingress.spec.rules[0].http.paths.map((p: any) => [p.path, p.backend.service.name]),
      );
      expect(paths).toEqual({
        '/': 'web',
        '/api': 'gateway',
        '/api-docs': 'gateway',
        '/socket.io': 'gateway',
      });
      if (env === 'prod') {
        expect(ingress.spec.ingressClassName).toBe('alb');
        expect(ingress.metadata.annotations['alb.ingress.kubernetes.io/target-group-attributes']).toContain(
          'stickiness.enabled=true',
        );
      } else {
        expect(ingress.metadata.annotations['nginx.ingress.kubernetes.io/affinity']).toBe('cookie');
      }
    }
  });

  it('network policies: services only from the gateway and each other, databases only from the services', () => {
    const objects = kustomize(at('deploy/k8s/overlays/dev'));
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    const services = policies.find((p) => p.metadata.name === 'services-from-gateway');
    expect(services.spec.podSelector.matchLabels['tiketi.io/tier']).toBe('backend');
    const sources = services.spec.ingress[0].from.map(
      (f: any) => f.podSelector?.matchLabels?.['tiketi.io/tier'],
    );
    expect(sources.sort()).toEqual(['backend', 'edge']);
    const data = policies.find((p) => p.metadata.name === 'data-from-services');
    expect(data.spec.podSelector.matchLabels['tiketi.io/tier']).toBe('data');
    // The tiers the policies name are the tiers the pods carry.
    const tierOf = (name: string) =>
      objects.find((o) => o.metadata.name === name && o.kind !== 'Service' && o.spec?.template)?.spec.template
        .metadata.labels['tiketi.io/tier'];
    expect(tierOf('gateway')).toBe('edge');
    for (const c of ['auth', 'ticket', 'payment', 'stats']) expect(tierOf(c)).toBe('backend');
    expect(tierOf('postgres')).toBe('data');
    expect(tierOf('tiketi-migrate')).toBe('migrate');
  });
});

describe('argo cd', () => {
  const files = listFiles(at('deploy/argocd'), (n) => n.endsWith('.yaml'));
  const docs = files.map((f) => ({ file: f, doc: readYaml(f) }));

  it('has an AppProject and an app-of-apps per environment: automated for dev, manual for prod', () => {
    expect(docs.some((d) => d.doc.kind === 'AppProject' && d.doc.metadata.name === 'tiketi')).toBe(true);
    for (const env of ['dev', 'prod']) {
      const root = docs.find((d) => d.doc.metadata?.name === `tiketi-${env}`)!.doc;
      expect(exists(at(root.spec.source.path))).toBe(true);
      const apps = docs.filter((d) => d.file.includes(`/apps/${env}/`)).map((d) => d.doc);
      expect(apps.map((a) => a.metadata.name).sort()).toEqual(
        [...COMPONENTS, 'platform'].map((c) => `tiketi-${env}-${c}`).sort(),
      );
      for (const app of apps) {
        expect(app.spec.project).toBe('tiketi');
        expect(app.spec.destination.namespace).toBe(`tiketi-${env}`);
        expect(exists(at(app.spec.source.path, 'kustomization.yaml')), app.spec.source.path).toBe(true);
        expect(Boolean(app.spec.syncPolicy?.automated)).toBe(env === 'dev');
      }
      expect(Boolean(root.spec.syncPolicy?.automated)).toBe(env === 'dev');
    }
  });

  it('every Application and the project name the same repository', () => {
    const project = docs.find((d) => d.doc.kind === 'AppProject')!.doc;
    for (const { doc } of docs.filter((d) => d.doc.kind === 'Application')) {
      expect(project.spec.sourceRepos).toContain(doc.spec.source.repoURL);
    }
  });
});
