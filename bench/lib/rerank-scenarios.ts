/**
 * bench:rerank's load scenarios at 50 connections, each against two builds of the same code: the
 * default one and one with the lexical scoring pool disabled by a setting (every request scored
 * on the event loop), the reference the issue's "≥ 1.6× the pool-disabled build" is measured
 * against. Rounds alternate the builds so that a neighbour's load on this shared machine falls on
 * both alike.
 *
 * Workloads:
 * - `zipf top10`: the historical payload (Zipf-like vocabulary, top_n 10);
 * - `uniform all`: issue 13's: 100 documents × 200 words drawn uniformly from a 10,000-word
 *   vocabulary (~135k characters), every result returned.
 *
 * Per scenario: p50, p99 and p99/p50 of the 2xx answers, req/s, the cores the server used
 * (utime + stime of its process from /proc over the measured seconds, divided by them), its CPU
 * per request and its main thread's share of it, and the cores the load generator (this process)
 * and the whole machine were busy on.
 */
import { runLoad, type AutocannonOptions } from './autocannon.js';
import { envWithoutQuireSettings, startTarget, stopChild, type Target } from './children.js';
import { machineBusyCpuMs, mainThreadCpuMs, processCpuMs } from './proc.js';
import { round } from './report.js';
import { median as medianOrNone, percentile } from './stats.js';

export const SCENARIO_CONNECTIONS = 50;

/** The setting that turns the lexical scoring pool off (the reference build). */
export const POOL_DISABLED_ENV: Record<string, string> = { QUIRE_RERANK_POOL_THREADS: '0' };

export interface Workload {
  name: string;
  body: string;
}

export interface ScenarioRun {
  workload: string;
  build: 'pool' | 'no pool';
  round: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  tailRatio: number;
  coresUsed: number | undefined;
  /** Server CPU per answered request, ms. */
  serverCpuMsPerRequest: number | undefined;
  /** Of it, the server's main thread's (the event loop's), ms. */
  mainThreadMsPerRequest: number | undefined;
  /** The cores this process (autocannon, the load generator) used. */
  loadgenCores: number;
  /** The cores the whole machine was busy on (server, load generator and everything else). */
  machineBusyCores: number | undefined;
  valid: boolean;
}

/** A seeded generator, so every run sends the same corpus. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Issue 13's payload: uniform random vocabulary, ~135k characters, all results. */
export function uniformWorkload(documents: number, words: number): Workload {
  const next = seededRandom(13);
  const vocabulary = Array.from({ length: 10_000 }, () => {
    const length = 3 + Math.floor(next() * 6);
    let word = '';
    for (let i = 0; i < length; i++) word += String.fromCharCode(97 + Math.floor(next() * 26));
    return word;
  });
  const pick = (): string => vocabulary[Math.floor(next() * vocabulary.length)] ?? 'a';
  const texts = Array.from(
    { length: documents },
    () => `${Array.from({ length: words }, pick).join(' ')}.`,
  );
  const query = Array.from({ length: 5 }, pick).join(' ');
  return {
    name: 'uniform all',
    body: JSON.stringify({ query, documents: texts, method: 'lexical' }),
  };
}

interface Build {
  name: ScenarioRun['build'];
  target: Target;
}

async function measure(
  build: Build,
  workload: Workload,
  key: string,
  durationS: number,
  warmupS: number,
  round_: number,
): Promise<ScenarioRun> {
  const options = {
    url: `${build.target.url}/v1/rerank`,
    connections: SCENARIO_CONNECTIONS,
    pipelining: 1,
    method: 'POST',
    body: workload.body,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
  };
  const run = (duration: number, onStart?: Parameters<typeof runLoad>[1]) =>
    runLoad({ ...options, duration } as AutocannonOptions, onStart);
  if (warmupS > 0) await run(warmupS);
  const latencies: number[] = [];
  const pid = build.target.child.pid;
  const cpu0 = processCpuMs(pid);
  const main0 = mainThreadCpuMs(pid);
  const machine0 = machineBusyCpuMs();
  const self0 = process.cpuUsage();
  const wall0 = performance.now();
  const result = await run(durationS, (instance) =>
    instance.on('response', (_client, status, _bytes, responseTimeMs) => {
      if (status >= 200 && status < 300) latencies.push(responseTimeMs);
    }),
  );
  const cpu1 = processCpuMs(pid);
  const main1 = mainThreadCpuMs(pid);
  const machine1 = machineBusyCpuMs();
  const self = process.cpuUsage(self0);
  const wallMs = performance.now() - wall0;
  latencies.sort((a, b) => a - b);
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  return {
    workload: workload.name,
    build: build.name,
    round: round_,
    reqPerSec: round(result.requests.total / result.duration, 1),
    p50Ms: round(p50, 2),
    p99Ms: round(p99, 2),
    tailRatio: round(p99 / p50, 2),
    coresUsed:
      cpu0 !== undefined && cpu1 !== undefined ? round((cpu1 - cpu0) / wallMs, 2) : undefined,
    serverCpuMsPerRequest:
      cpu0 !== undefined && cpu1 !== undefined && result.requests.total > 0
        ? round((cpu1 - cpu0) / result.requests.total, 2)
        : undefined,
    mainThreadMsPerRequest:
      main0 !== undefined && main1 !== undefined && result.requests.total > 0
        ? round((main1 - main0) / result.requests.total, 2)
        : undefined,
    loadgenCores: round((self.user + self.system) / 1000 / wallMs, 2),
    machineBusyCores:
      machine0 !== undefined && machine1 !== undefined
        ? round((machine1 - machine0) / wallMs, 2)
        : undefined,
    valid: result.non2xx === 0 && result.errors === 0 && result.timeouts === 0,
  };
}

export interface ScenarioOptions {
  entry: string;
  cwd: string;
  key: string;
  /** A fresh data directory per build. */
  dataDir: (build: string) => string;
  workloads: Workload[];
  rounds: number;
  durationS: number;
  warmupS: number;
}

/** Every workload on both builds, `rounds` times, alternating the builds. */
export async function measureScenarios(options: ScenarioOptions): Promise<ScenarioRun[]> {
  const env = (extra: Record<string, string>): NodeJS.ProcessEnv => ({
    ...envWithoutQuireSettings(),
    QUIRE_BOOTSTRAP_ADMIN_KEY: options.key,
    QUIRE_RATE_LIMIT_SEARCH: '100000000',
    ...extra,
  });
  const builds: Build[] = [];
  try {
    for (const [name, extra] of [
      ['pool', {}],
      ['no pool', POOL_DISABLED_ENV],
    ] as const) {
      const target = await startTarget({
        name: `rerank ${name}`,
        entry: options.entry,
        args: [options.dataDir(name.replace(' ', '-'))],
        cwd: options.cwd,
        env: env(extra),
      });
      builds.push({ name, target });
    }
    const runs: ScenarioRun[] = [];
    for (let r = 1; r <= options.rounds; r++) {
      for (const workload of options.workloads) {
        // Alternate which build goes first, so neither always follows the other's load.
        const order = r % 2 === 1 ? builds : [...builds].reverse();
        for (const build of order) {
          console.log(
            `  ${workload.name} @${SCENARIO_CONNECTIONS} conn, ${build.name}, round ${r}`,
          );
          runs.push(
            await measure(build, workload, options.key, options.durationS, options.warmupS, r),
          );
        }
      }
    }
    return runs;
  } finally {
    await Promise.all(builds.map((build) => stopChild(build.target.child, build.name)));
  }
}

/** The median of each figure over the rounds, per workload and build. */
export function medianRuns(runs: ScenarioRun[]): ScenarioRun[] {
  const median = (values: number[]): number => medianOrNone(values) ?? NaN;
  const groups = new Map<string, ScenarioRun[]>();
  for (const run of runs) {
    const key = `${run.workload}\u0000${run.build}`;
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0] as ScenarioRun;
    const known = (values: (number | undefined)[]): number | undefined => {
      const numbers = values.filter((value): value is number => value !== undefined);
      return numbers.length === 0 ? undefined : round(median(numbers), 2);
    };
    return {
      workload: first.workload,
      build: first.build,
      round: 0,
      reqPerSec: round(median(group.map((run) => run.reqPerSec)), 1),
      p50Ms: round(median(group.map((run) => run.p50Ms)), 2),
      p99Ms: round(median(group.map((run) => run.p99Ms)), 2),
      tailRatio: round(median(group.map((run) => run.tailRatio)), 2),
      coresUsed: known(group.map((run) => run.coresUsed)),
      serverCpuMsPerRequest: known(group.map((run) => run.serverCpuMsPerRequest)),
      mainThreadMsPerRequest: known(group.map((run) => run.mainThreadMsPerRequest)),
      loadgenCores: round(median(group.map((run) => run.loadgenCores)), 2),
      machineBusyCores: known(group.map((run) => run.machineBusyCores)),
      valid: group.every((run) => run.valid),
    };
  });
}
