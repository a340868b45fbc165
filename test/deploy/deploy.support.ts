import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import type { TObject } from '@sinclair/typebox';
import { mergeConfigSchemas } from '@tiketi/platform';
import { testEnv } from '@tiketi/testing';
// The config modules themselves (the same objects @tiketi/<service> exports), without loading
// every service's code into each deploy test.
import { authConfigSchema } from '../../services/auth/src/auth.config';
import { ticketConfigSchema } from '../../services/ticket/src/ticket.config';
import { paymentConfigSchema } from '../../services/payment/src/payment.config';
import { statsConfigSchema } from '../../services/stats/src/stats.config';
import { gatewayConfigSchema } from '../../apps/gateway/src/gateway.config';

export const ROOT = resolve(import.meta.dirname, '../..');
export const DEPLOY = join(ROOT, 'deploy');
export const at = (...parts: string[]) => join(ROOT, ...parts);

export type NodeComponent = 'gateway' | 'auth' | 'ticket' | 'payment' | 'stats';

/** What each Node component reads: its config schema and the variable naming its port. */
export const NODE_COMPONENTS: Record<NodeComponent, { schema: TObject; portKey: string }> = {
  gateway: { schema: gatewayConfigSchema, portKey: 'GATEWAY_PORT' },
  auth: { schema: authConfigSchema, portKey: 'AUTH_PORT' },
  ticket: { schema: ticketConfigSchema, portKey: 'TICKET_PORT' },
  payment: { schema: paymentConfigSchema, portKey: 'PAYMENT_PORT' },
  stats: { schema: statsConfigSchema, portKey: 'STATS_PORT' },
};
/**
 * The migration job runs scripts/migrate.ts, which reads the all-in-one schema: every service's
 * variables (its two process-only ones, SERVICES and WEB_DIST_DIR, mean nothing to the job).
 */
export const MIGRATE_SCHEMA: TObject = mergeConfigSchemas(
  authConfigSchema,
  ticketConfigSchema,
  paymentConfigSchema,
  statsConfigSchema,
  gatewayConfigSchema,
);
export const COMPONENTS = ['gateway', 'auth', 'ticket', 'payment', 'stats', 'web', 'migrate'] as const;

export function defaultPort(component: NodeComponent): number {
  const { schema, portKey } = NODE_COMPONENTS[component];
  return (schema.properties[portKey] as { default: number }).default;
}

export function readYaml(path: string): any {
  return parse(readFileSync(path, 'utf8'), { merge: true });
}

export function readYamlDocs(text: string): any[] {
  return parseAllDocuments(text, { merge: true })
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join('; '));
      return doc.toJS();
    })
    .filter((doc) => doc != null);
}

export function listFiles(dir: string, filter: (name: string) => boolean = () => true): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...listFiles(full, filter));
    else if (filter(entry)) out.push(full);
  }
  return out;
}

interface Renderer {
  command: string;
  args: string[];
}

/**
 * What renders the kustomizations: kubectl with a kustomize v4+ built in (kubectl 1.21+), or a
 * standalone kustomize. Debian's kubernetes-client (kubectl 1.20, kustomize v2) cannot: it refuses
 * directories as resources and `patches`, which every overlay here uses.
 */
function findRenderer(): { renderer: Renderer | null; found: string } {
  let found = 'no kubectl or kustomize on PATH';
  try {
    const out = execFileSync('kubectl', ['version', '--client', '-o', 'json'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const version = JSON.parse(out) as { kustomizeVersion?: string; clientVersion?: { gitVersion?: string } };
    const major = Number(/^v?(\d+)\./.exec(version.kustomizeVersion ?? '')?.[1] ?? 0);
    if (major >= 4) return { renderer: { command: 'kubectl', args: ['kustomize'] }, found: 'kubectl' };
    found = `kubectl ${version.clientVersion?.gitVersion ?? '?'} with kustomize ${version.kustomizeVersion ?? 'v2 (too old)'}`;
  } catch {
    // No kubectl: try a standalone kustomize.
  }
  try {
    execFileSync('kustomize', ['version'], { stdio: 'ignore' });
    return { renderer: { command: 'kustomize', args: ['build'] }, found: 'kustomize' };
  } catch {
    return { renderer: null, found };
  }
}

const { renderer, found: rendererFound } = findRenderer();

/**
 * Whether the rendering tests run: when something can render, and also when this run requires the
 * real tools (TIKETI_TEST_REQUIRE_REAL=1, as CI's real-server run does), so that a missing or too
 * old kubectl fails them loudly instead of skipping them.
 */
export const renderTestsEnabled = renderer !== null || testEnv.requireReal;

const rendered = new Map<string, any[]>();

/** The kustomization in `dir` rendered and parsed; once per directory and test file (do not mutate). */
export function kustomize(dir: string): any[] {
  let objects = rendered.get(dir);
  if (objects === undefined) {
    if (!renderer) {
      throw new Error(
        `Rendering ${dir} needs kubectl 1.21+ (kustomize v4+ built in) or kustomize on PATH; found ${rendererFound}. ` +
          'This run requires real tools (TIKETI_TEST_REQUIRE_REAL=1): install one (see .ci/run).',
      );
    }
    objects = readYamlDocs(
      execFileSync(renderer.command, [...renderer.args, dir], {
        encoding: 'utf8',
        maxBuffer: 32 * 1024 * 1024,
      }),
    );
    rendered.set(dir, objects);
  }
  return objects;
}

/** Every directory holding a kustomization under deploy/k8s. */
export function kustomizationDirs(): string[] {
  return listFiles(join(DEPLOY, 'k8s'), (n) => n === 'kustomization.yaml').map((f) =>
    f.replace(/\/kustomization\.yaml$/, ''),
  );
}

export function exists(path: string): boolean {
  return existsSync(path);
}
