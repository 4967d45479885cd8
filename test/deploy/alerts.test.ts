/**
 * The shipped alert rules and dashboard are checked by the real tools: `promtool check rules`
 * parses every alert, `promtool test rules` runs their unit tests (alerts.test.yaml), `promtool
 * check config` loads prometheus.yml with the rules, and every metric the alerts and the
 * dashboard query is one Quire exports (read from a running app's /metrics). Whether the
 * dashboard's queries parse and find series in a real Prometheus: test/system/prometheus-scrape.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { buildTestApp } from '../helpers/app.js';
import {
  ALERTS,
  ALERT_TESTS,
  PROMETHEUS_CONFIG,
  alertExpressions,
  dashboardQueries,
  exportedNames,
  metricNames,
  promtool,
  requireBinary,
} from '../helpers/observability-files.js';

describe('alert rules and dashboard', { timeout: 120_000 }, () => {
  before(() => requireBinary('promtool'));

  it('promtool check rules: every alert parses', () => {
    const { status, output } = promtool(['check', 'rules', ALERTS]);
    assert.equal(status, 0, output);
    assert.match(output, /SUCCESS: \d+ rules found/);
  });

  it('promtool test rules: every alert fires where it should and stays quiet where it should not', () => {
    const { status, output } = promtool(['test', 'rules', ALERT_TESTS]);
    assert.equal(status, 0, output);
    assert.match(output, /SUCCESS/);
    const tests = parse(readFileSync(ALERT_TESTS, 'utf8')) as {
      tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
    };
    const firing = new Set(
      tests.tests.flatMap((test) =>
        test.alert_rule_test
          .filter((check) => check.exp_alerts.length > 0)
          .map((check) => check.alertname),
      ),
    );
    const untested = alertExpressions()
      .map(({ alert }) => alert)
      .filter((alert) => !firing.has(alert));
    assert.deepEqual(untested, [], 'alerts no unit test sees fire');
  });

  it('promtool check config: prometheus.yml loads, with the alert rules', () => {
    const { status, output } = promtool(['check', 'config', PROMETHEUS_CONFIG]);
    assert.equal(status, 0, output);
    assert.match(output, /alerts\.yaml/);
  });

  it('every metric an alert or a dashboard panel uses is one Quire exports', async () => {
    const t = await buildTestApp();
    const exposition = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    const exported = exportedNames(exposition);
    const unknown = [
      ...alertExpressions().map(({ alert, expr }) => ({ where: `alert ${alert}`, expr })),
      ...dashboardQueries().map(({ panel, expr }) => ({ where: `panel "${panel}"`, expr })),
    ].flatMap(({ where, expr }) =>
      metricNames(expr)
        .filter((name) => !exported.has(name))
        .map((name) => `${where}: ${name}`),
    );
    assert.deepEqual(unknown, [], 'metrics Quire does not export');
  });

  it('the metric-name reader finds names, and only names', () => {
    assert.deepEqual(
      metricNames(
        'histogram_quantile(0.99, sum by (le, route) (rate(http_request_duration_seconds_bucket{route!="/x"}[5m]))) > 2',
      ),
      ['http_request_duration_seconds_bucket'],
    );
    assert.deepEqual(
      metricNames('sum(rate(a_total{status=~"5.."}[5m])) / sum(rate(b_total[5m])) > 0.05'),
      ['a_total', 'b_total'],
    );
  });
});
