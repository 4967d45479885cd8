/**
 * deploy/kubernetes rendered as `kubectl apply -k deploy/kubernetes/overlays/production` would
 * apply it (no kubectl or cluster here: test/deploy/kustomize.ts renders it), each manifest
 * validated against the Kubernetes API schemas of the npm package `kubernetes-models`, and the
 * properties issue 14 asks for checked: probes, grace period from the shutdown settings, PDBs,
 * HPA, migration Job, Secrets by reference, resources, securityContext, setting names and values.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { ConfigMap, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { parse } from 'yaml';
import { loadConfig, type Config } from '../../src/config.js';
import { JOB_STATUSES } from '../../src/ports/job-store.js';
import { ROOT } from '../helpers/process.js';
import { imageEnvironment, readDockerfile } from './dockerfile.js';
import { applyPatch, readManifests, renderKustomization, type Manifest } from './kustomize.js';
import { unknownSettings } from './settings-names.js';

const K8S = `${ROOT}/deploy/kubernetes`;
const rendered = renderKustomization(`${K8S}/overlays/production`);
const secretTemplates = readManifests(`${K8S}/secrets.template.yaml`);

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
  timeoutSeconds?: number;
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[] };
  };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  containers: Container[];
  restartPolicy?: string;
  terminationGracePeriodSeconds?: number;
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    seccompProfile?: { type: string };
  };
  volumes?: { name: string; emptyDir?: object }[];
}
interface Workload extends Manifest {
  spec: {
    selector?: { matchLabels: Record<string, string> };
    template: { metadata?: { labels?: Record<string, string> }; spec: PodSpec };
  };
}

type Validator = new (data: never) => { validate(): void };
const MODELS: Record<string, Validator> = {
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'networking.k8s.io/v1/Ingress': Ingress,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
};

const find = <T extends Manifest = Manifest>(kind: string, name: string): T => {
  const manifest = rendered.find((entry) => entry.kind === kind && entry.metadata.name === name);
  assert.ok(manifest, `no ${kind}/${name} in the rendered overlay`);
  return manifest as T;
};
const deployments = rendered.filter((entry) => entry.kind === 'Deployment') as Workload[];
const workloads = rendered.filter((entry) => entry.kind === 'Deployment' || entry.kind === 'Job');
const podSpecs = (workloads as Workload[]).map((entry) => ({
  name: `${entry.kind}/${entry.metadata.name}`,
  pod: entry.spec.template.spec,
}));
const containers = podSpecs.flatMap(({ name, pod }) =>
  pod.containers.map((container) => ({ name: `${name}/${container.name}`, container })),
);

/** Example values for what the Secrets hold, so the settings parser can read a pod's whole env. */
const SECRET_EXAMPLES: Record<string, string> = {
  QUIRE_DATABASE_URL: 'postgres://quire:secret@postgres:5432/quire',
  QUIRE_REDIS_URL: 'redis://redis:6379/0',
  QUIRE_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  QUIRE_METRICS_TOKEN: 'metrics-token-0123456789',
  QUIRE_BOOTSTRAP_ADMIN_KEY: `qk_${'a'.repeat(40)}`,
  AWS_ACCESS_KEY_ID: 'example',
  AWS_SECRET_ACCESS_KEY: 'example',
};

const imageRuntime = readDockerfile().at(-1);
assert.ok(imageRuntime);
const IMAGE_ENV = imageEnvironment(imageRuntime);

/** A container's environment as the kubelet builds it: the image's ENV, envFrom, then env. */
function environment(container: Container): Record<string, string> {
  const env: Record<string, string> = { ...IMAGE_ENV };
  for (const source of container.envFrom ?? []) {
    assert.ok(source.configMapRef, 'envFrom other than a ConfigMap: extend this test');
    const data = find('ConfigMap', source.configMapRef.name).data as Record<string, string>;
    Object.assign(env, data);
  }
  for (const variable of container.env ?? []) {
    const example = SECRET_EXAMPLES[variable.name];
    if (variable.valueFrom?.secretKeyRef !== undefined) {
      assert.ok(example, `no example value for secret ${variable.name}`);
      env[variable.name] = example;
    } else env[variable.name] = variable.value ?? '';
  }
  return env;
}
const configOf = (container: Container): Config => loadConfig(environment(container));

const CPU = (quantity: string): number =>
  quantity.endsWith('m') ? Number(quantity.slice(0, -1)) / 1000 : Number(quantity);
const MIB = (quantity: string): number => {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity);
  assert.ok(match, `memory quantity ${quantity}: use Mi or Gi`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
};

describe('deploy/kubernetes (production overlay)', { timeout: 30_000 }, () => {
  it('renders manifests that the Kubernetes API schemas accept', () => {
    assert.ok(rendered.length >= 11);
    for (const manifest of [...rendered, ...secretTemplates]) {
      const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
      assert.ok(Model, `no schema for ${manifest.apiVersion} ${manifest.kind}: add it here`);
      assert.doesNotThrow(
        () => new Model(manifest as never).validate(),
        `${manifest.kind}/${manifest.metadata.name}`,
      );
    }
  });

  it('puts everything in the overlay’s namespace, with the overlay’s pinned image', () => {
    for (const manifest of rendered) assert.equal(manifest.metadata.namespace, 'quire');
    for (const { name, container } of containers)
      assert.match(container.image, /^registry\.example\.com\/quire:\d+\.\d+\.\d+$/, name);
  });

  it('runs `serve` in the API and `worker` in the worker Deployment', () => {
    const args = (name: string): string[] | undefined =>
      find<Workload>('Deployment', name).spec.template.spec.containers[0]?.args;
    assert.deepEqual(args('quire-api'), ['serve']);
    assert.deepEqual(args('quire-worker'), ['worker']);
    assert.equal((find('Deployment', 'quire-api').spec as { replicas: number }).replicas, 3);
  });

  it('probes /livez for liveness and /readyz for readiness on the port Quire listens on', () => {
    for (const deployment of deployments) {
      for (const container of deployment.spec.template.spec.containers) {
        const config = configOf(container);
        const port = container.ports?.find((entry) => entry.name === 'http');
        assert.equal(port?.containerPort, config.port);
        assert.equal(container.livenessProbe?.httpGet?.path, '/livez');
        assert.equal(container.readinessProbe?.httpGet?.path, '/readyz');
        assert.equal(container.livenessProbe?.httpGet?.port, 'http');
        assert.equal(container.readinessProbe?.httpGet?.port, 'http');
        // The probe waits longer than one readiness check may take, so a slow dependency
        // answers 503 rather than timing the probe out.
        const probeMs = (container.readinessProbe?.timeoutSeconds ?? 1) * 1000;
        assert.ok(probeMs > config.readyCheckTimeoutMs);
      }
    }
  });

  it('gives pods a grace period longer than the shutdown delay plus timeout', () => {
    for (const deployment of deployments) {
      const pod = deployment.spec.template.spec;
      for (const container of pod.containers) {
        const { shutdownDelayMs, shutdownTimeoutMs } = configOf(container);
        const needed = Math.ceil((shutdownDelayMs + shutdownTimeoutMs) / 1000) + 5;
        assert.ok(
          (pod.terminationGracePeriodSeconds ?? 30) >= needed,
          `${deployment.metadata.name}: ${pod.terminationGracePeriodSeconds} s < ${needed} s`,
        );
      }
    }
  });

  it('shows the grace-period arithmetic in docs/operations.md with the manifests’ numbers', () => {
    const docs = readFileSync(`${ROOT}/docs/operations.md`, 'utf8');
    for (const deployment of deployments) {
      const pod = deployment.spec.template.spec;
      const { shutdownDelayMs, shutdownTimeoutMs } = configOf(pod.containers[0] as Container);
      const line = `${pod.terminationGracePeriodSeconds} > (${shutdownDelayMs} + ${shutdownTimeoutMs}) / 1000`;
      assert.ok(docs.includes(line), `docs/operations.md lacks “${line}”`);
    }
  });

  it('covers each Deployment with a PodDisruptionBudget selecting its pods', () => {
    for (const deployment of deployments) {
      const labels = deployment.spec.template.metadata?.labels ?? {};
      const budgets = rendered.filter(
        (entry) =>
          entry.kind === 'PodDisruptionBudget' &&
          Object.entries(
            (entry.spec as { selector: { matchLabels: Record<string, string> } }).selector
              .matchLabels,
          ).every(([key, value]) => labels[key] === value),
      );
      assert.equal(budgets.length, 1, `${deployment.metadata.name} has no single PDB`);
      assert.deepEqual(deployment.spec.selector?.matchLabels, {
        'app.kubernetes.io/name': 'quire',
        'app.kubernetes.io/component': labels['app.kubernetes.io/component'],
      });
    }
  });

  it('scales the API on CPU, from at least two pods', () => {
    const hpa = find('HorizontalPodAutoscaler', 'quire-api').spec as {
      scaleTargetRef: { kind: string; name: string };
      minReplicas: number;
      metrics: { type: string; resource?: { name: string } }[];
    };
    assert.deepEqual(hpa.scaleTargetRef.name, 'quire-api');
    assert.ok(hpa.minReplicas >= 2);
    assert.ok(hpa.metrics.some((metric) => metric.resource?.name === 'cpu'));
  });

  it('offers queue-depth scaling of the workers on a gauge Quire exports', () => {
    const [scaled] = readManifests(`${K8S}/optional/worker-keda-scaledobject.yaml`) as (Manifest & {
      spec: { scaleTargetRef: { name: string }; triggers: { metadata: { query: string } }[] };
    })[];
    assert.ok(scaled);
    find('Deployment', scaled.spec.scaleTargetRef.name);
    const query = scaled.spec.triggers[0]?.metadata.query ?? '';
    const metric = /^max\((\w+)\{state="(\w+)"/.exec(query);
    assert.ok(metric, query);
    const metrics = readFileSync(`${ROOT}/src/observability/metrics.ts`, 'utf8');
    assert.ok(metrics.includes(`name: '${metric[1]}'`), `Quire exports no ${metric[1]}`);
    assert.ok((JOB_STATUSES as readonly string[]).includes(metric[2] ?? ''));
  });

  it('migrates in a Job, and the Deployments never migrate themselves', () => {
    const job = find<Workload>('Job', 'quire-migrate').spec.template.spec;
    assert.equal(job.restartPolicy, 'Never');
    assert.deepEqual(job.containers[0]?.args, ['migrate']);
    for (const deployment of deployments)
      for (const container of deployment.spec.template.spec.containers)
        assert.equal(configOf(container).autoMigrate, false, deployment.metadata.name);
  });

  it('reads secrets only from the Secrets the template defines, never from plain values', () => {
    const templates = new Map(
      secretTemplates.map((secret) => [
        secret.metadata.name,
        secret.stringData as Record<string, string>,
      ]),
    );
    for (const data of templates.values())
      for (const [key, value] of Object.entries(data))
        assert.equal(value, '', `the template holds a value for ${key}`);
    assert.ok(!rendered.some((entry) => entry.kind === 'Secret'), 'apply never ships a Secret');
    for (const { name, container } of containers) {
      for (const variable of container.env ?? []) {
        const secret = SECRET_EXAMPLES[variable.name] !== undefined;
        const reference = variable.valueFrom?.secretKeyRef;
        assert.equal(reference !== undefined, secret, `${name}: ${variable.name}`);
        if (reference === undefined) continue;
        assert.ok(
          Object.hasOwn(templates.get(reference.name) ?? {}, reference.key),
          `${name}: ${reference.name}/${reference.key} is not in secrets.template.yaml`,
        );
      }
    }
  });

  it('sets CPU and memory requests and limits, leaving room for every pool’s threads', () => {
    for (const { name, container } of containers) {
      const { requests = {}, limits = {} } = container.resources ?? {};
      for (const resource of ['cpu', 'memory']) {
        assert.ok(requests[resource] && limits[resource], `${name}: no ${resource} request/limit`);
      }
      assert.ok(CPU(requests.cpu ?? '0') <= CPU(limits.cpu ?? '0'));
      assert.ok(MIB(requests.memory ?? '0') <= MIB(limits.memory ?? '0'));
    }
    // Each pool's threads may grow to their heap cap; the main thread needs some 512 MiB more.
    // Workers run extraction only; the API starts the others on first use (and extraction for
    // /v1/convert).
    const poolsMb = (config: Config, role: 'api' | 'worker'): number =>
      config.extractionWorkers * config.extractionHeapMb +
      (role === 'api'
        ? config.rerankPoolThreads * config.rerankPoolHeapMb +
          config.convertDataThreads * config.convertDataHeapMb
        : 0);
    for (const role of ['api', 'worker'] as const) {
      const container = find<Workload>('Deployment', `quire-${role}`).spec.template.spec
        .containers[0];
      assert.ok(container);
      const config = configOf(container);
      const needed = 512 + poolsMb(config, role);
      const limit = MIB(container.resources?.limits?.memory ?? '0');
      assert.ok(limit >= needed, `${role} needs ${needed} Mi, has ${limit} Mi`);
      assert.ok(config.extractionWorkers <= CPU(container.resources?.limits?.cpu ?? '0'));
    }
  });

  it('runs non-root, read-only, without privileges, writing only to emptyDirs', () => {
    const imageUid = Number(
      imageRuntime.instructions.find((entry) => entry.keyword === 'USER')?.text.split(':')[0],
    );
    const dataDir = IMAGE_ENV.QUIRE_DATA_DIR;
    assert.ok(dataDir);
    for (const { name, pod } of podSpecs) {
      assert.equal(pod.securityContext?.runAsNonRoot, true, name);
      assert.equal(pod.securityContext?.runAsUser, imageUid, `${name}: not the image's user`);
      assert.equal(pod.securityContext?.seccompProfile?.type, 'RuntimeDefault', name);
      const emptyDirs = new Set(
        (pod.volumes ?? []).filter((volume) => volume.emptyDir).map((volume) => volume.name),
      );
      for (const container of pod.containers) {
        const context = container.securityContext;
        assert.equal(context?.allowPrivilegeEscalation, false, name);
        assert.equal(context?.readOnlyRootFilesystem, true, name);
        assert.deepEqual(context?.capabilities?.drop, ['ALL'], name);
        const writable = (container.volumeMounts ?? [])
          .filter((mount) => emptyDirs.has(mount.name))
          .map((mount) => mount.mountPath);
        assert.ok(writable.includes('/tmp'), `${name}: /tmp is not writable`);
        if (name.startsWith('Deployment/'))
          assert.ok(writable.includes(`${dataDir}/tmp`), `${name}: ${dataDir}/tmp not writable`);
        assert.equal(configOf(container).dataDir, dataDir);
      }
    }
  });

  it('routes the Ingress to the API Service, which selects the API pods on their http port', () => {
    const service = find('Service', 'quire-api').spec as {
      selector: Record<string, string>;
      ports: { name: string; targetPort: string }[];
    };
    const api = find<Workload>('Deployment', 'quire-api');
    assert.deepEqual(service.selector, api.spec.selector?.matchLabels);
    assert.equal(service.ports[0]?.targetPort, 'http');
    const ingress = find('Ingress', 'quire-api').spec as {
      rules: {
        http: { paths: { backend: { service: { name: string; port: { name: string } } } }[] };
      }[];
    };
    const backend = ingress.rules[0]?.http.paths[0]?.backend.service;
    assert.equal(backend?.name, 'quire-api');
    assert.equal(backend?.port.name, service.ports[0]?.name);
  });

  it('names only settings that exist, with values the settings parser accepts', () => {
    const names = containers.flatMap(({ container }) => Object.keys(environment(container)));
    assert.ok(names.includes('QUIRE_AUTO_MIGRATE'));
    assert.deepEqual(unknownSettings(names), []);
    for (const { name, container } of containers)
      assert.doesNotThrow(() => configOf(container), name);
    const text = [
      readFileSync(`${K8S}/base/configmap.yaml`, 'utf8'),
      readFileSync(`${K8S}/overlays/production/kustomization.yaml`, 'utf8'),
      readFileSync(`${K8S}/secrets.template.yaml`, 'utf8'),
    ].join('\n');
    assert.deepEqual(unknownSettings(text.match(/\bQUIRE_[A-Z0-9_]+/g) ?? []), []);
  });
});

describe('the test kustomize renderer', { timeout: 10_000 }, () => {
  const deployment = (): Manifest => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'x' },
    spec: { replicas: 1, list: [1, 2] },
  });

  it('applies add, replace and remove as RFC 6902 says', () => {
    const manifest = deployment();
    applyPatch(manifest, [
      { op: 'replace', path: '/spec/replicas', value: 3 },
      { op: 'add', path: '/spec/list/-', value: 3 },
      { op: 'remove', path: '/spec/list/0' },
      { op: 'add', path: '/metadata/labels', value: { a: 'b' } },
    ]);
    assert.deepEqual(manifest.spec, { replicas: 3, list: [2, 3] });
    assert.deepEqual(manifest.metadata.labels, { a: 'b' });
  });

  it('refuses to replace or remove what is not there', () => {
    assert.throws(() =>
      applyPatch(deployment(), [{ op: 'replace', path: '/spec/nope', value: 1 }]),
    );
    assert.throws(() => applyPatch(deployment(), [{ op: 'remove', path: '/nope/deeper' }]));
  });

  it('parses the patches the overlay holds as operation lists', () => {
    const overlay = parse(
      readFileSync(`${K8S}/overlays/production/kustomization.yaml`, 'utf8'),
    ) as { patches: { patch: string }[] };
    for (const { patch } of overlay.patches) assert.ok(Array.isArray(parse(patch)));
  });
});
