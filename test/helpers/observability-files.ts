/**
 * The shipped dashboard and alert rules as data: every PromQL expression they hold, the metric
 * names an expression uses, the metric names a /metrics scrape exports, and promtool (from the
 * Debian `prometheus` package) found or a clear failure.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './process.js';

export const DASHBOARD = join(ROOT, 'deploy/grafana/quire.json');
export const ALERTS = join(ROOT, 'deploy/prometheus/alerts.yaml');
export const ALERT_TESTS = join(ROOT, 'deploy/prometheus/alerts.test.yaml');
export const PROMETHEUS_CONFIG = join(ROOT, 'deploy/prometheus/prometheus.yml');

interface Panel {
  title: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}

/** Every query of the dashboard, by panel title, with Grafana's rate interval made concrete. */
export function dashboardQueries(rateInterval = '1m'): { panel: string; expr: string }[] {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] };
  const panels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
  return panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({
      panel: panel.title,
      expr: target.expr.replaceAll('$__rate_interval', rateInterval),
    })),
  );
}

/** Every alert's expression, by alert name. */
export function alertExpressions(): { alert: string; expr: string }[] {
  const file = parse(readFileSync(ALERTS, 'utf8')) as {
    groups: { rules: { alert: string; expr: string }[] }[];
  };
  return file.groups.flatMap((group) =>
    group.rules.map((rule) => ({ alert: rule.alert, expr: rule.expr })),
  );
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const OPERATORS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/**
 * The metric names an expression selects: identifiers outside label matchers, strings, ranges
 * and grouping clauses that are not function or aggregation calls (those are followed by `(`).
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const name = match[0];
    const after = stripped.slice((match.index ?? 0) + name.length).trimStart();
    if (after.startsWith('(') || KEYWORDS.has(name) || OPERATORS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names];
}

/** The series names a Prometheus text exposition declares (histograms: _bucket, _sum, _count). */
export function exportedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    if (name === undefined) continue;
    if (type === 'histogram')
      for (const end of ['_bucket', '_sum', '_count']) names.add(name + end);
    else if (type === 'summary') for (const end of ['', '_sum', '_count']) names.add(name + end);
    else names.add(name);
  }
  return names;
}

/** Fails with what to install when a Prometheus binary is missing (never skips). */
export function requireBinary(binary: 'promtool' | 'prometheus'): void {
  const probe = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.error !== undefined || probe.status !== 0)
    assert.fail(
      `${binary} not found or not working (${probe.error?.message ?? probe.stderr}): install the ` +
        'Debian package: apt-get install -y --no-install-recommends prometheus',
    );
}

/** Runs promtool with `args`; its exit code and output. */
export function promtool(args: string[]): { status: number | null; output: string } {
  const run = spawnSync('promtool', args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  if (run.error !== undefined) throw run.error;
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}
