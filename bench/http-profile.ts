/**
 * `npm run bench:http-profile`: where the full stack's time goes on `GET /bench/json`, the route
 * bench:http compares with bare Fastify, hook by hook.
 *
 * One full-stack server (bench/http-target.ts) runs under `node --cpu-prof` (a sample every
 * 250 µs), pinned to the machine's last core while this process (the load generator) keeps to the
 * first, so the two do not take turns on one core. After /readyz and a warm-up, it gets
 * BENCH_RATE requests a second (default 3,000: below saturation, so a run is not a contest for
 * the CPU) from 50 connections for BENCH_DURATION_S (default 10). The profile's samples from that
 * window give each global hook's own share of the event loop's busy time (the rest of the request,
 * which a hook runs by calling `done()`, is not counted in it), and the functions that spend the
 * most themselves. A share times the main thread's CPU per request (from /proc) gives µs, an
 * estimate: the shares are of the samples V8 could place in JavaScript or its native calls.
 *
 * Results: bench/results/http-profile-<timestamp>.json and http-profile-latest.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runLoad } from './lib/autocannon.js';
import { killChildrenOnExit, startTarget, stopChild } from './lib/children.js';
import { hookIn, named, profileShares, type FunctionMatcher } from './lib/cpu-profile.js';
import { waitForReady } from './lib/http-client.js';
import { BENCH_ROUTE } from './lib/bench-route.js';
import { mainThreadCpuMs } from './lib/proc.js';
import {
  environmentReport,
  integerFromEnv,
  packageVersion,
  printTable,
  ROOT,
  round,
  secondsFromEnv,
  writeResults,
} from './lib/report.js';

const NAME = 'bench:http-profile';
const TARGET_ENTRY = fileURLToPath(new URL('./http-target.ts', import.meta.url));
const CONNECTIONS = 50;
const SAMPLE_INTERVAL_US = 250;

/** The hooks every request to /bench/json passes, by the function each plugin registers. */
const HOOKS: FunctionMatcher[] = [
  named('request id (echo)', 'echoRequestId'),
  named('trace context', 'continueTrace'),
  named('security headers', 'addSecurityHeaders'),
  named('CORS (@fastify/cors)', 'handleCors', '@fastify/cors'),
  named('unknown-route check', 'rejectUnknownRoute'),
  named('draining check', 'refuseWhileDraining'),
  named('load shedding (@fastify/under-pressure)', 'onRequest', '@fastify/under-pressure'),
  hookIn('@fastify/multipart hooks', '@fastify/multipart/index.js'),
  named('rate limit (route hook)', 'applyRateLimit'),
  named('Server-Timing', 'addServerTiming'),
  named('draining (onSend)', 'closeWhileDraining'),
  named('unread body (onSend)', 'closeAfterUnreadBody'),
  named('compression (@fastify/compress)', 'onSend', '@fastify/compress'),
  named('request log line', 'logRequest'),
  named('metrics', 'countRequest'),
  named('rejection counts', 'countRejection'),
];

function canPin(): boolean {
  if (process.platform !== 'linux' || os.availableParallelism() < 2) return false;
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function mainThreadProfile(dir: string, pid: number): string {
  // node names them CPU.<date>.<time>.<pid>.<thread id>.<sequence>.cpuprofile; thread 0 is main.
  const file = readdirSync(dir).find((name) => name.includes(`.${pid}.0.`));
  if (file === undefined) throw new Error(`no main-thread profile of pid ${pid} in ${dir}`);
  return join(dir, file);
}

const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadAverageAtStart = os.loadavg();
  const durationS = secondsFromEnv('BENCH_DURATION_S', 10, false);
  const rate = integerFromEnv('BENCH_RATE', 3_000, 100, 1_000_000);
  const profileDir = mkdtempSync(join(os.tmpdir(), 'quire-http-profile-'));
  killChildrenOnExit(NAME, () => rmSync(profileDir, { recursive: true, force: true }));

  const pinned = canPin();
  const lastCore = os.availableParallelism() - 1;
  if (pinned)
    execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
  const target = await startTarget({
    name: 'full',
    entry: TARGET_ENTRY,
    args: ['full'],
    cwd: ROOT,
    nodeArgs: [
      '--cpu-prof',
      '--cpu-prof-interval',
      String(SAMPLE_INTERVAL_US),
      '--cpu-prof-dir',
      profileDir,
    ],
    ...(pinned ? { launcher: ['taskset', '-c', String(lastCore)] } : {}),
  });
  const pid = target.child.pid as number;
  try {
    await waitForReady(target.url);
    const url = `${target.url}${BENCH_ROUTE}`;
    console.log(
      `${NAME}: warm-up 2 s, then ${rate} req/s from ${CONNECTIONS} connections for ${durationS} s`,
    );
    await runLoad({ url, connections: CONNECTIONS, pipelining: 1, duration: 2 });

    const cpuBefore = mainThreadCpuMs(pid);
    const fromUs = monotonicUs();
    const result = await runLoad({
      url,
      connections: CONNECTIONS,
      pipelining: 1,
      duration: durationS,
      overallRate: rate,
    });
    const toUs = monotonicUs();
    const cpuAfter = mainThreadCpuMs(pid);
    // The profile is written as the server exits; stopChild waits for that.
    await stopChild(target.child, NAME);

    const requests = result.requests.total;
    const cpuUsPerRequest =
      cpuBefore === undefined || cpuAfter === undefined || requests === 0
        ? undefined
        : ((cpuAfter - cpuBefore) * 1000) / requests;
    const profile = profileShares(mainThreadProfile(profileDir, pid), HOOKS, { fromUs, toUs });
    // V8 samples by the wall clock, so samples × interval also counts time the thread sat
    // preempted; a share of the thread's CPU time (from /proc) is the better estimate in µs.
    const us = (share: number): string =>
      cpuUsPerRequest === undefined ? 'n/a' : (share * cpuUsPerRequest).toFixed(1);
    const pct = (share: number): string => `${(share * 100).toFixed(2)}%`;

    console.log(
      `\n${requests} requests (${result.non2xx} non-2xx, ${result.errors} errors), event loop ` +
        `${cpuUsPerRequest === undefined ? 'n/a' : cpuUsPerRequest.toFixed(1)} µs of CPU a request, ` +
        `${profile.busySamples} busy samples; server ${pinned ? `pinned to core ${lastCore}, load generator to core 0` : 'not pinned'}\n`,
    );
    const hooksTotal = Object.values(profile.shares).reduce((sum, share) => sum + share, 0);
    printTable(
      ['global hook', 'share of CPU', 'µs / request'],
      [
        ...HOOKS.map((hook) => {
          const share = profile.shares[hook.label] ?? 0;
          return [hook.label, pct(share), us(share)];
        }),
        ['all of the above', pct(hooksTotal), us(hooksTotal)],
        ['everything else (HTTP, routing, handler, GC)', pct(1 - hooksTotal), us(1 - hooksTotal)],
      ],
    );
    console.log('');
    printTable(
      ['most self time', 'share of CPU', 'µs / request'],
      profile.topSelf.map((entry) => [entry.name, pct(entry.share), us(entry.share)]),
    );

    writeResults('http-profile', startedAt, {
      benchmark: NAME,
      startedAt: startedAt.toISOString(),
      environment: environmentReport(loadAverageAtStart, {
        fastify: packageVersion('fastify'),
        pino: packageVersion('pino'),
      }),
      route: BENCH_ROUTE,
      connections: CONNECTIONS,
      rate,
      durationS,
      pinned,
      requests,
      non2xx: result.non2xx,
      errors: result.errors,
      eventLoopCpuUsPerRequest: cpuUsPerRequest === undefined ? null : round(cpuUsPerRequest, 2),
      busySamples: profile.busySamples,
      sampleIntervalUs: round(profile.sampleIntervalUs, 1),
      hooks: Object.fromEntries(
        HOOKS.map((hook) => [hook.label, round(profile.shares[hook.label] ?? 0, 5)]),
      ),
      topSelf: profile.topSelf.map((entry) => ({ ...entry, share: round(entry.share, 5) })),
    });
  } finally {
    await stopChild(target.child, NAME);
    rmSync(profileDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`${NAME}:`, error);
  process.exit(1);
});
