import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { at, defaultPort, listFiles, NODE_COMPONENTS, readYaml, type NodeComponent } from './deploy.support';

/** Metric names the code registers: every `new Counter|Gauge|Histogram|Summary({ name: '...' })`. */
function metricsInSource(): Set<string> {
  const files = ['packages', 'services', 'apps/gateway', 'apps/all-in-one'].flatMap((dir) =>
    listFiles(at(dir), (n) => n.endsWith('.ts') && !n.endsWith('.test.ts')).filter(
      (f) => !f.includes('/node_modules/'),
    ),
  );
  const names = new Set<string>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(
      /new (?:Counter|Gauge|Histogram|Summary)(?:<[^>]*>)?\(\s*\{\s*name:\s*'([a-zA-Z_:][a-zA-Z0-9_:]*)'/g,
    ))
      names.add(m[1]!);
  }
  return names;
}

/** prom-client's process and Node.js metrics, which every service registry collects. */
function defaultMetrics(): Set<string> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return new Set(registry.getMetricsAsArray().map((m) => (m as unknown as { name: string }).name));
}

/** Exporters deployed beside the services (postgres_exporter, redis_exporter) and Prometheus itself. */
const EXPORTER_PREFIXES = ['pg_', 'redis_'];
const PROMETHEUS_BUILTIN = new Set(['up', 'ALERTS', 'scrape_duration_seconds']);

/**
 * Parses PromQL with Prometheus's own grammar (the one its UI uses), so a typo, an unbalanced
 * bracket or an unknown function is a failing test, not an alert that never fires. Grafana's
 * interval variables stand in for a duration before parsing; `$var` inside quotes is a string.
 */
export function parsePromql(expr: string): { errors: string[]; metrics: string[] } {
  const source = expr.replace(
    /\$__(rate_interval|interval|range)\b|\$\{__(rate_interval|interval|range)\}/g,
    '5m',
  );
  const tree = parser.parse(source);
  const errors: string[] = [];
  const metrics: string[] = [];
  tree.iterate({
    enter(node) {
      if (node.type.isError)
        errors.push(
          `syntax error at ${node.from}: …${source.slice(Math.max(0, node.from - 20), node.from + 20)}…`,
        );
      if (node.name === 'VectorSelector') {
        const name = node.node.getChild('Identifier');
        if (name) metrics.push(source.slice(name.from, name.to));
      }
    },
  });
  if (source.trim() === '') errors.push('empty expression');
  return { errors, metrics };
}

/** Metric names used in a PromQL expression; fails the test on a syntax error. */
export function promqlMetrics(expr: string): string[] {
  const { errors, metrics } = parsePromql(expr);
  expect(errors, expr).toEqual([]);
  return metrics;
}

const known = (() => {
  const code = metricsInSource();
  const defaults = defaultMetrics();
  return (name: string, recorded: Set<string>): boolean => {
    const base = name.replace(/_(bucket|count|sum)$/, '');
    return (
      code.has(name) ||
      code.has(base) ||
      defaults.has(name) ||
      defaults.has(base) ||
      recorded.has(name) ||
      PROMETHEUS_BUILTIN.has(name) ||
      EXPORTER_PREFIXES.some((p) => name.startsWith(p))
    );
  };
})();

describe('metric names', () => {
  it('the scan finds the metrics the services register (so a rename is noticed)', () => {
    const code = metricsInSource();
    for (const name of [
      'http_request_duration_seconds',
      'auth_logins_total',
      'tiketi_payments_total',
      'tiketi_queue_waiting',
      'ticket_hold_attempts_total',
    ]) {
      expect(code).toContain(name);
    }
    expect(
      promqlMetrics(
        'sum by (service) (rate(http_request_duration_seconds_count{status_code=~"5.."}[5m])) / on(service) up',
      ),
    ).toEqual(['http_request_duration_seconds_count', 'up']);
  });

  it('the PromQL parser refuses broken expressions', () => {
    for (const broken of [
      'sum(rate(http_request_duration_seconds_count[5m])',
      'rate(http_request_duration_seconds_count[5m]) >',
      'sum by service (up)',
      'rat(up[5m])',
      'up{service="gateway"',
      'histogram_quantile(0.95, sum by (le) (rate(x_bucket[5 m])))',
    ])
      expect(parsePromql(broken).errors, broken).not.toEqual([]);
    expect(parsePromql('rate(up[$__rate_interval])')).toEqual({ errors: [], metrics: ['up'] });
    expect(parsePromql('sum(tiketi_queue_waiting{event_id=~"$event_id"}) by (event_id)').errors).toEqual([]);
  });
});

describe('prometheus', () => {
  const rulesFiles = listFiles(at('deploy/monitoring/prometheus/rules'), (n) => n.endsWith('.yml'));

  it('rules parse, every alert has an expression, a severity and a summary, and uses real metrics', () => {
    expect(rulesFiles.length).toBeGreaterThan(0);
    const recorded = new Set<string>();
    const rules: any[] = [];
    for (const file of rulesFiles) {
      const doc = readYaml(file);
      expect(Array.isArray(doc.groups)).toBe(true);
      for (const group of doc.groups) {
        expect(group.name).toBeTruthy();
        for (const rule of group.rules) {
          rules.push(rule);
          if (rule.record) recorded.add(rule.record);
        }
      }
    }
    const alerts = new Set<string>();
    for (const rule of rules) {
      expect(typeof rule.expr).toBe('string');
      expect(Boolean(rule.alert) !== Boolean(rule.record)).toBe(true);
      if (rule.for) expect(rule.for).toMatch(/^\d+[smhd]$/);
      if (rule.alert) {
        alerts.add(rule.alert);
        expect(['critical', 'warning', 'info']).toContain(rule.labels.severity);
        expect(rule.annotations.summary).toBeTruthy();
      }
      for (const metric of promqlMetrics(rule.expr))
        expect(known(metric, recorded), `${rule.alert ?? rule.record}: ${metric}`).toBe(true);
    }
    for (const needed of [
      'TiketiHighErrorRate',
      'TiketiHighLatencyP95',
      'TiketiDatabaseDown',
      'TiketiRedisDown',
      'TiketiPaymentReconciliationBacklog',
      'TiketiQueueStuck',
    ]) {
      expect(alerts).toContain(needed);
    }
  });

  it('scrapes every service on the port it listens on, and the rules directory compose mounts', () => {
    const config = readYaml(at('deploy/monitoring/prometheus/prometheus.yml'));
    const job = config.scrape_configs.find((j: any) => j.job_name === 'tiketi');
    const targets = job.static_configs.flatMap((s: any) => s.targets);
    for (const name of Object.keys(NODE_COMPONENTS) as NodeComponent[])
      expect(targets).toContain(`${name}:${defaultPort(name)}`);
    const compose = readYaml(at('deploy/compose/docker-compose.yml'));
    const mounts: string[] = compose.services.prometheus.volumes;
    expect(mounts.some((m) => m.endsWith(':/etc/prometheus/rules:ro'))).toBe(true);
    expect(config.rule_files).toEqual(['/etc/prometheus/rules/*.yml']);
    for (const exporter of ['postgres-exporter:9187', 'redis-exporter:9121']) {
      expect(
        config.scrape_configs.some((j: any) =>
          j.static_configs?.some((s: any) => s.targets.includes(exporter)),
        ),
      ).toBe(true);
      expect(compose.services).toHaveProperty(exporter.split(':')[0]!);
    }
    const k8s = readYaml(at('deploy/monitoring/prometheus/prometheus.k8s.yml'));
    expect(k8s.scrape_configs[0].kubernetes_sd_configs[0].role).toBe('pod');
  });
});

describe('grafana', () => {
  const dashboards = listFiles(at('deploy/monitoring/grafana/dashboards'), (n) => n.endsWith('.json'));
  const datasources = readYaml(
    at('deploy/monitoring/grafana/provisioning/datasources/datasources.yml'),
  ).datasources;
  const uids = new Set(datasources.map((d: any) => d.uid));

  it('provisions the dashboards directory compose mounts, and Prometheus and Loki at their compose addresses', () => {
    const provider = readYaml(at('deploy/monitoring/grafana/provisioning/dashboards/dashboards.yml'))
      .providers[0];
    const compose = readYaml(at('deploy/compose/docker-compose.yml'));
    expect(compose.services.grafana.volumes).toContain(
      `../monitoring/grafana/dashboards:${provider.options.path}:ro`,
    );
    expect(datasources.find((d: any) => d.type === 'prometheus').url).toBe('http://prometheus:9090');
    expect(datasources.find((d: any) => d.type === 'loki').url).toBe('http://loki:3100');
  });

  it('has the system, RED and business dashboards', () => {
    expect(dashboards.map((f) => basename(f)).sort()).toEqual([
      'application-red.json',
      'business.json',
      'system-overview.json',
    ]);
  });

  it.each(dashboards.map((f) => [basename(f), f]))(
    '%s is valid JSON whose queries use metrics the code exports',
    (_name, file) => {
      const dashboard = JSON.parse(readFileSync(file, 'utf8'));
      expect(dashboard.uid).toMatch(/^tiketi-/);
      expect(dashboard.title).toBeTruthy();
      expect(dashboard.panels.length).toBeGreaterThan(3);
      const ids = new Set<number>();
      for (const panel of dashboard.panels) {
        expect(ids.has(panel.id), `duplicate panel id ${panel.id}`).toBe(false);
        ids.add(panel.id);
        expect(panel.gridPos).toBeDefined();
        expect(uids).toContain(panel.datasource.uid);
        expect(panel.targets.length).toBeGreaterThan(0);
        for (const target of panel.targets) {
          expect(typeof target.expr).toBe('string');
          if (panel.datasource.type !== 'prometheus') continue;
          const metrics = promqlMetrics(target.expr);
          expect(metrics.length, target.expr).toBeGreaterThan(0);
          for (const metric of metrics)
            expect(known(metric, new Set()), `${panel.title}: ${metric}`).toBe(true);
        }
      }
      for (const variable of dashboard.templating.list) {
        for (const metric of promqlMetrics(
          variable.query.query.replace(/^label_values\(([^,]+),.*\)$/, '$1'),
        )) {
          expect(known(metric, new Set()), `variable ${variable.name}: ${metric}`).toBe(true);
        }
      }
    },
  );
});

describe('loki and promtail', () => {
  it('parse, and promtail ships to the compose Loki with only low-cardinality labels', () => {
    const loki = readYaml(at('deploy/monitoring/loki/loki.yml'));
    expect(loki.server.http_listen_port).toBe(3100);
    const promtail = readYaml(at('deploy/monitoring/promtail/promtail.yml'));
    expect(promtail.clients[0].url).toBe('http://loki:3100/loki/api/v1/push');
    const labels = promtail.scrape_configs[0].pipeline_stages
      .filter((s: any) => s.labels)
      .flatMap((s: any) => Object.keys(s.labels));
    // requestId is searched inside the line (| json), never a label: one stream per request would sink Loki.
    expect(labels).not.toContain('requestId');
    expect(labels).toEqual(['level']);
    const k8s = readYaml(at('deploy/monitoring/promtail/promtail.k8s.yml'));
    const k8sLabels = k8s.scrape_configs[0].pipeline_stages
      .filter((s: any) => s.labels)
      .flatMap((s: any) => Object.keys(s.labels));
    expect(k8sLabels).toEqual(['level']);
    // It keeps the pods the manifests label as TIKETI's.
    expect(k8s.scrape_configs[0].relabel_configs[0]).toMatchObject({ action: 'keep', regex: 'tiketi' });
  });
});
