/**
 * `npm run bench:auth`: what authentication and rate limiting cost on an authenticated read
 * route, measured against the same route with both off, in one run.
 *
 * The route is GET /bench/read (scope documents:read, rate class read), added to Quire's full
 * app by bench/app-target.ts, each server in its own child process. Every scenario runs at 50
 * connections, pipelining 1, in BENCH_ROUNDS rounds (a warm-up then a measured run each); all of
 * a back end's servers run at once and the rounds interleave the scenarios (odd rounds in order,
 * even rounds reversed), so drift in the machine's load hits them alike; a scenario's figures are
 * those of its median round by req/s. Two back ends:
 *   - embedded: SQLite in a temporary data dir, rate limits in process memory;
 *   - redis: rate limits in Redis (QUIRE_REDIS_URL=redis://127.0.0.1:6379/9, FLUSHDB'd before
 *     its servers start and at the end) and the stores in PostgreSQL (QUIRE_DATABASE_URL to a
 *     fresh schema in postgres://postgres@127.0.0.1:5432/test, dropped at the end), i.e. the
 *     scale-out configuration; SQLite when PostgreSQL is not reachable (said so). Skipped, with
 *     a message, when Redis is not reachable. Right after start a server's Redis connection may
 *     not be up yet and the limiter fails open (no RateLimit-* headers): each scenario is checked
 *     (and retried up to 10 s) until it answers as configured before anything is measured.
 * and these servers:
 *   - off: QUIRE_AUTH=off and every QUIRE_RATE_LIMIT_* = 0 (the limiter is skipped);
 *   - on: auth on (QUIRE_BOOTSTRAP_ADMIN_KEY, sent as Authorization: Bearer; or an HS256 JWT
 *     signed with QUIRE_JWT_SECRET) and every limit at 100000000 per minute, so the limiter runs
 *     (its cost counts) but never trips;
 *   - for the breakdown: auth on with every limit 0 (auth only), and auth off with the limits
 *     on (limiter only, keyed by client IP).
 * Every run must answer only 2xx (checked; INVALID otherwise). Targets: the on/off req/s ratio
 * ≥ 0.85 embedded and ≥ 0.70 with Redis, for API keys and JWTs; reported PASS/FAIL, a miss does
 * not fail the process. Server CPU µs per request is printed too (that of the median round, and
 * the lowest over the rounds, which the CPU attribution uses): on a busy or small machine the load
 * generator and other processes compete with the server for CPU and req/s gets noisy. For the
 * Redis back end, the Redis commands one request costs are counted (INFO commandstats around 100
 * sequential requests per scenario).
 *
 * Environment: BENCH_DURATION_S (measured seconds per run, default 5), BENCH_WARMUP_S (default
 * 1), BENCH_ROUNDS (default 3), BENCH_AUTH_BREAKDOWN=0 to skip the breakdown scenarios.
 * Results: bench/results/auth-<timestamp>.json and bench/results/auth-latest.json.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSigner } from 'fast-jwt';
import { Redis } from 'ioredis';
import pg from 'pg';
import { BENCH_READ_ROUTE } from './lib/bench-route.js';
import {
  envWithoutQuireSettings,
  killAllNow,
  killChildrenOnExit,
  startTarget,
  stopAll,
  stopChild,
  type Target,
} from './lib/children.js';
import { requestOnce } from './lib/http-client.js';
import {
  LOAD_COLUMNS,
  loadCells,
  measureLoad,
  medianRun,
  minimum,
  percentCell,
  type LoadMeasurement,
} from './lib/load.js';
import {
  checkTarget,
  environmentReport,
  loadAverageLine,
  packageVersion,
  printTable,
  printTargets,
  ROOT,
  round,
  integerFromEnv,
  secondsFromEnv,
  writeResults,
  type TargetCheck,
} from './lib/report.js';

const NAME = 'bench:auth';
const TARGET_ENTRY = fileURLToPath(new URL('./app-target.ts', import.meta.url));
const CONNECTIONS = 50;
const PIPELINING = 1;
const TARGET_RATIO: Record<Backend, number> = { embedded: 0.85, redis: 0.7 };
const REDIS_URL = 'redis://127.0.0.1:6379';
const REDIS_DB = 9;
const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
const NEVER_TRIPPING = String(100_000_000);
const RATE_CLASSES = ['META', 'READ', 'WRITE', 'UPLOAD', 'SEARCH', 'ADMIN'] as const;
const TENANT = 'default';
const VERIFY_TIMEOUT_MS = 10_000;

type Backend = 'embedded' | 'redis';
type ServerMode = 'off' | 'on' | 'auth-only' | 'limit-only';
type Credential = 'none' | 'api-key' | 'jwt';

interface Scenario {
  mode: ServerMode;
  credential: Credential;
  /** In the table: what runs on the request path. */
  label: string;
  breakdown: boolean;
}

const SCENARIOS: Scenario[] = [
  { mode: 'off', credential: 'none', label: 'auth off, limit off', breakdown: false },
  { mode: 'on', credential: 'api-key', label: 'API key + limit', breakdown: false },
  { mode: 'on', credential: 'jwt', label: 'JWT + limit', breakdown: false },
  { mode: 'auth-only', credential: 'api-key', label: 'API key, limit off', breakdown: true },
  { mode: 'auth-only', credential: 'jwt', label: 'JWT, limit off', breakdown: true },
  { mode: 'limit-only', credential: 'none', label: 'auth off, limit (per IP)', breakdown: true },
];

const authOn = (mode: ServerMode): boolean => mode === 'on' || mode === 'auth-only';
const limitOn = (mode: ServerMode): boolean => mode === 'on' || mode === 'limit-only';

function rateLimitEnv(value: string): Record<string, string> {
  return Object.fromEntries(RATE_CLASSES.map((name) => [`QUIRE_RATE_LIMIT_${name}`, value]));
}

// ---------------------------------------------------------------------------------------------
// Clean-up: servers are killed and temporary data removed however the process ends.

const cleanups: (() => void)[] = [];
killChildrenOnExit(NAME, () => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

interface RoundSummary {
  round: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  serverCpuUsPerRequest: number | undefined;
  errors: number;
  non2xx: number;
  valid: boolean;
}

/** The scenario's figures are those of its median round by req/s; every round is listed. */
interface Row extends LoadMeasurement {
  scenario: string;
  backend: Backend;
  mode: ServerMode;
  credential: Credential;
  auth: boolean;
  rateLimit: boolean;
  breakdown: boolean;
  connections: number;
  rounds: RoundSummary[];
  /**
   * The lowest server CPU per request over the rounds: the least disturbed by other load on the
   * machine, so the best estimate of what a request costs (the CPU attribution below uses it).
   */
  serverCpuUsPerRequestMin: number | undefined;
  /** Redis back end: the Redis commands one request costs (INFO commandstats). */
  redisCommandsPerRequest?: Record<string, number>;
}

interface RedisSetup {
  url: string;
  admin: Redis;
  pid: number | undefined;
}

/** Redis db 9 on 127.0.0.1, flushed; null (with the reason printed) when Redis is not there. */
async function openRedis(): Promise<RedisSetup | null> {
  const admin = new Redis(`${REDIS_URL}/${REDIS_DB}`, {
    lazyConnect: true,
    connectTimeout: 2_000,
    commandTimeout: 5_000,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  admin.on('error', () => undefined);
  try {
    await admin.connect();
    await admin.flushdb();
    const info = await admin.info('server');
    const pid = Number(/^process_id:(\d+)/m.exec(info)?.[1]);
    return {
      url: `${REDIS_URL}/${REDIS_DB}`,
      admin,
      pid: Number.isInteger(pid) && existsSync(`/proc/${pid}`) ? pid : undefined,
    };
  } catch (error) {
    console.log(
      `Redis at ${REDIS_URL} is not reachable (${(error as Error).message}): the redis runs are skipped`,
    );
    admin.disconnect();
    return null;
  }
}

/** A fresh PostgreSQL schema; null (with the reason printed) when PostgreSQL is not there. */
async function createPostgresSchema(): Promise<{ url: string; drop(): Promise<void> } | null> {
  const schema = `quire_bench_${randomBytes(6).toString('hex')}`;
  const connect = async (): Promise<pg.Client> => {
    const client = new pg.Client({
      connectionString: POSTGRES_URL,
      connectionTimeoutMillis: 3_000,
    });
    await client.connect();
    return client;
  };
  try {
    const client = await connect();
    try {
      await client.query(`create schema ${schema}`);
    } finally {
      await client.end();
    }
  } catch (error) {
    console.log(
      `PostgreSQL at ${POSTGRES_URL} is not reachable (${(error as Error).message}): ` +
        'the redis runs keep SQLite',
    );
    return null;
  }
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    async drop() {
      const client = await connect();
      try {
        await client.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await client.end();
      }
    },
  };
}

interface Credentials {
  apiKey: string;
  jwtSecret: string;
  jwt: string;
}

function makeCredentials(): Credentials {
  const apiKey = `qk_${randomBytes(30).toString('base64url')}`; // 40 characters after qk_
  const jwtSecret = randomBytes(32).toString('base64url');
  const sign = createSigner({ key: jwtSecret, algorithm: 'HS256' });
  const jwt = sign({
    sub: 'bench',
    tid: TENANT,
    scope: 'documents:read',
    exp: Math.floor(Date.now() / 1000) + 3600,
  });
  return { apiKey, jwtSecret, jwt };
}

function headersFor(credential: Credential, credentials: Credentials): Record<string, string> {
  if (credential === 'api-key') return { authorization: `Bearer ${credentials.apiKey}` };
  if (credential === 'jwt') return { authorization: `Bearer ${credentials.jwt}` };
  return {};
}

function serverEnv(
  mode: ServerMode,
  backendEnv: Record<string, string>,
  credentials: Credentials,
): NodeJS.ProcessEnv {
  return {
    ...envWithoutQuireSettings(),
    ...backendEnv,
    QUIRE_AUTH: authOn(mode) ? 'on' : 'off',
    ...(authOn(mode)
      ? {
          QUIRE_BOOTSTRAP_ADMIN_KEY: credentials.apiKey,
          QUIRE_JWT_SECRET: credentials.jwtSecret,
        }
      : {}),
    ...rateLimitEnv(limitOn(mode) ? NEVER_TRIPPING : '0'),
  };
}

/**
 * Checks the server does what the scenario says before it is measured: 200 with the tenant,
 * RateLimit-Limit present exactly when the limiter runs, and 401 without credentials when auth
 * is on. Throws what is wrong, or returns.
 */
async function checkOnce(
  url: string,
  mode: ServerMode,
  headers: Record<string, string>,
): Promise<void> {
  const response = await requestOnce(url, { headers });
  const expected = JSON.stringify({ ok: true, tenant: TENANT });
  if (response.status !== 200 || response.body !== expected) {
    throw new Error(
      `GET ${url} answered ${response.status} ${response.body}, expected ${expected}`,
    );
  }
  const limit = response.headers['ratelimit-limit'];
  if (limitOn(mode) ? limit !== NEVER_TRIPPING : limit !== undefined) {
    throw new Error(
      `GET ${url}: RateLimit-Limit is ${String(limit)}, expected ${limitOn(mode) ? NEVER_TRIPPING : 'none'}`,
    );
  }
  if (authOn(mode)) {
    const anonymous = await requestOnce(url);
    if (anonymous.status !== 401) {
      throw new Error(`GET ${url} without credentials answered ${anonymous.status}, expected 401`);
    }
  }
}

/**
 * checkOnce, retried for up to VERIFY_TIMEOUT_MS: a server listens before its Redis connection is
 * up, and until then the limiter fails open (no RateLimit-* headers). Returns how long it took.
 */
async function verify(
  url: string,
  mode: ServerMode,
  headers: Record<string, string>,
): Promise<{ ms: number; attempts: number }> {
  const started = performance.now();
  for (let attempts = 1; ; attempts++) {
    try {
      await checkOnce(url, mode, headers);
      return { ms: Math.round(performance.now() - started), attempts };
    } catch (error) {
      if (performance.now() - started > VERIFY_TIMEOUT_MS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

const COMMAND_SAMPLE_REQUESTS = 100;

/** Calls per Redis command so far (INFO commandstats). */
async function redisCommandCalls(admin: Redis): Promise<Map<string, number>> {
  const info = await admin.info('commandstats');
  const calls = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    calls.set(match[1] ?? '', Number(match[2]));
  }
  return calls;
}

/**
 * The Redis commands one request costs: INFO commandstats around COMMAND_SAMPLE_REQUESTS
 * sequential requests (the INFO calls themselves left out). Counts every client of the Redis
 * server, so it assumes nothing else uses it meanwhile.
 */
async function redisCommandsPerRequest(
  admin: Redis,
  url: string,
  headers: Record<string, string>,
): Promise<Record<string, number>> {
  const before = await redisCommandCalls(admin);
  for (let i = 0; i < COMMAND_SAMPLE_REQUESTS; i++) await requestOnce(url, { headers });
  const after = await redisCommandCalls(admin);
  const perRequest: Record<string, number> = {};
  for (const [command, calls] of after) {
    const delta = calls - (before.get(command) ?? 0) - (command === 'info' ? 1 : 0);
    if (delta > 0) perRequest[command] = round(delta / COMMAND_SAMPLE_REQUESTS, 2);
  }
  return perRequest;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const durationS = secondsFromEnv('BENCH_DURATION_S', 5, false);
  const warmupS = secondsFromEnv('BENCH_WARMUP_S', 1, true);
  const rounds = integerFromEnv('BENCH_ROUNDS', 3, 1, 20);
  const withBreakdown = process.env.BENCH_AUTH_BREAKDOWN !== '0';
  const scenarios = SCENARIOS.filter((scenario) => withBreakdown || !scenario.breakdown);
  const startedAt = new Date();
  const loadAverageAtStart = os.loadavg();
  console.log(
    `${NAME} — node ${process.version}, ${os.availableParallelism()} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), ` +
      `GET ${BENCH_READ_ROUTE} @${CONNECTIONS} conn, ${rounds} rounds of ${durationS} s measured + ${warmupS} s warm-up per scenario`,
  );
  console.log(loadAverageLine(loadAverageAtStart));

  const credentials = makeCredentials();
  const rows: Row[] = [];
  /** Servers that did not answer as configured at once (the limiter failing open, say). */
  const startup: {
    backend: Backend;
    mode: ServerMode;
    credential: Credential;
    ms: number;
    attempts: number;
  }[] = [];
  const root = mkdtempSync(join(os.tmpdir(), 'quire-bench-auth-'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  let redis: RedisSetup | null = null;
  let postgres: Awaited<ReturnType<typeof createPostgresSchema>> = null;
  const backends: { backend: Backend; env: Record<string, string>; database: string }[] = [
    { backend: 'embedded', env: {}, database: 'sqlite' },
  ];
  try {
    redis = await openRedis();
    if (redis !== null) {
      postgres = await createPostgresSchema();
      backends.push({
        backend: 'redis',
        env: {
          QUIRE_REDIS_URL: redis.url,
          ...(postgres === null ? {} : { QUIRE_DATABASE_URL: postgres.url }),
        },
        database: postgres === null ? 'sqlite' : 'postgres',
      });
    }

    let serverNumber = 0;
    for (const { backend, env, database } of backends) {
      // Every server of a back end runs at once (the idle ones cost nothing), so the rounds can
      // interleave the scenarios: drift in the machine's load then hits them all alike.
      if (backend === 'redis') await redis?.admin.flushdb();
      const targets = new Map<ServerMode, Target>();
      for (const mode of new Set(scenarios.map((scenario) => scenario.mode))) {
        const dataDir = join(root, `${++serverNumber}-${backend}-${mode}`);
        mkdirSync(dataDir);
        const target = await startTarget({
          name: `${backend} ${mode}`,
          entry: TARGET_ENTRY,
          args: [dataDir],
          cwd: ROOT,
          env: serverEnv(mode, env, credentials),
        });
        targets.set(mode, target);
        console.log(
          `${backend} (${database}${backend === 'redis' ? ' + redis' : ''}), ${mode}: ` +
            `${target.url} (pid ${target.child.pid})`,
        );
      }
      const urlOf = (mode: ServerMode): string =>
        `${(targets.get(mode) as Target).url}${BENCH_READ_ROUTE}`;
      for (const scenario of scenarios) {
        const verified = await verify(
          urlOf(scenario.mode),
          scenario.mode,
          headersFor(scenario.credential, credentials),
        );
        if (verified.attempts > 1) {
          console.log(
            `  (${backend}: ${scenario.label} answered as configured only after ${verified.ms} ms, ` +
              `${verified.attempts} attempts)`,
          );
          startup.push({
            backend,
            mode: scenario.mode,
            credential: scenario.credential,
            ...verified,
          });
        }
      }

      const commands = new Map<Scenario, Record<string, number>>();
      if (backend === 'redis' && redis !== null) {
        for (const scenario of scenarios) {
          const perRequest = await redisCommandsPerRequest(
            redis.admin,
            urlOf(scenario.mode),
            headersFor(scenario.credential, credentials),
          );
          commands.set(scenario, perRequest);
        }
      }

      const measured = new Map<Scenario, LoadMeasurement[]>(scenarios.map((s) => [s, []]));
      for (let round = 1; round <= rounds; round++) {
        // Odd rounds in order, even rounds in reverse, so no scenario always runs first.
        const order = round % 2 === 1 ? scenarios : [...scenarios].reverse();
        for (const scenario of order) {
          const target = targets.get(scenario.mode) as Target;
          measured.get(scenario)?.push(
            await measureLoad({
              label: `${backend}: ${scenario.label} [round ${round}/${rounds}]`,
              url: urlOf(scenario.mode),
              connections: CONNECTIONS,
              pipelining: PIPELINING,
              durationS,
              warmupS,
              headers: headersFor(scenario.credential, credentials),
              serverPid: target.child.pid,
              ...(backend === 'redis' && redis?.pid !== undefined
                ? { observePids: { redis: redis.pid } }
                : {}),
            }),
          );
        }
      }
      for (const scenario of scenarios) {
        const runs = measured.get(scenario) ?? [];
        const median = medianRun(runs);
        rows.push({
          scenario: `${backend}: ${scenario.label}`,
          backend,
          mode: scenario.mode,
          credential: scenario.credential,
          auth: authOn(scenario.mode),
          rateLimit: limitOn(scenario.mode),
          breakdown: scenario.breakdown,
          connections: CONNECTIONS,
          ...median,
          valid: runs.length > 0 && runs.every((run) => run.valid),
          serverCpuUsPerRequestMin: minimum(runs.map((run) => run.serverCpuUsPerRequest)),
          ...(commands.has(scenario) ? { redisCommandsPerRequest: commands.get(scenario) } : {}),
          rounds: runs.map((run, i) => ({
            round: i + 1,
            reqPerSec: run.reqPerSec,
            p50Ms: run.latencyMs.p50,
            p99Ms: run.latencyMs.p99,
            serverCpuUsPerRequest: run.serverCpuUsPerRequest,
            errors: run.errors,
            non2xx: run.non2xx,
            valid: run.valid,
          })),
        });
      }
      for (const target of targets.values()) await stopChild(target.child, NAME);
    }
  } finally {
    await stopAll(NAME);
    for (const cleanup of cleanups.splice(0).reverse()) cleanup();
    if (redis !== null) {
      await redis.admin.flushdb().catch(() => undefined);
      redis.admin.disconnect();
    }
    await postgres?.drop().catch((error: unknown) => {
      console.error(`${NAME}: could not drop the PostgreSQL schema:`, error);
    });
  }

  // -------------------------------------------------------------------------------------------
  // Ratios, targets, and where the time goes.

  const find = (backend: Backend, mode: ServerMode, credential: Credential): Row | undefined =>
    rows.find((r) => r.backend === backend && r.mode === mode && r.credential === credential);
  const ratios = backends.flatMap(({ backend }) =>
    (['api-key', 'jwt'] as const).map((credential) => {
      const off = find(backend, 'off', 'none');
      const on = find(backend, 'on', credential);
      const ratio =
        off !== undefined && on !== undefined && off.reqPerSec > 0
          ? round(on.reqPerSec / off.reqPerSec, 3)
          : undefined;
      // What the ratio would be if the server's own CPU were all that limited it.
      const cpuRatio =
        off?.serverCpuUsPerRequestMin !== undefined && on?.serverCpuUsPerRequestMin !== undefined
          ? round(off.serverCpuUsPerRequestMin / on.serverCpuUsPerRequestMin, 3)
          : undefined;
      return {
        backend,
        credential,
        offReqPerSec: off?.reqPerSec,
        onReqPerSec: on?.reqPerSec,
        ratio,
        cpuRatio,
        valid: off?.valid === true && on?.valid === true,
      };
    }),
  );
  const targets: TargetCheck[] = ratios.map(({ backend, credential, ratio, valid }) =>
    checkTarget(
      `${backend}: ${credential === 'api-key' ? 'API key' : 'JWT'} + rate limit req/s ≥ ` +
        `${TARGET_RATIO[backend] * 100}% of auth + limit off @${CONNECTIONS} conn`,
      ratio,
      `≥ ${TARGET_RATIO[backend]}`,
      (value) => value >= TARGET_RATIO[backend],
      valid,
    ),
  );
  const costs = backends.flatMap(({ backend }) => {
    const off = find(backend, 'off', 'none')?.serverCpuUsPerRequestMin;
    const over = (row: Row | undefined): number | undefined =>
      off === undefined || row?.serverCpuUsPerRequestMin === undefined
        ? undefined
        : round(row.serverCpuUsPerRequestMin - off, 1);
    return [
      { backend, what: 'API key + limit', us: over(find(backend, 'on', 'api-key')) },
      { backend, what: 'JWT + limit', us: over(find(backend, 'on', 'jwt')) },
      { backend, what: 'API key alone', us: over(find(backend, 'auth-only', 'api-key')) },
      { backend, what: 'JWT alone', us: over(find(backend, 'auth-only', 'jwt')) },
      { backend, what: 'limiter alone', us: over(find(backend, 'limit-only', 'none')) },
    ].filter((cost) => cost.us !== undefined);
  });

  console.log('');
  printTable(
    ['scenario', 'conns', ...LOAD_COLUMNS, 'min µs/req', 'redis CPU'],
    rows.map((row) => [
      row.scenario,
      String(row.connections),
      ...loadCells(row),
      row.serverCpuUsPerRequestMin === undefined ? 'n/a' : row.serverCpuUsPerRequestMin.toFixed(1),
      row.observedCpuPercent === undefined ? '-' : percentCell(row.observedCpuPercent.redis),
    ]),
  );
  for (const row of rows.filter((r) => !r.valid)) {
    console.log(
      `! ${row.scenario} is not a valid measurement: ` +
        `${row.errors} errors, ${row.timeouts} timeouts, status codes ${JSON.stringify(row.statusCodes)}`,
    );
  }
  console.log('');
  for (const { backend, credential, ratio, cpuRatio } of ratios) {
    const shown =
      ratio === undefined ? 'n/a' : `${ratio.toFixed(3)} (${(ratio * 100).toFixed(1)}%)`;
    console.log(
      `${backend}: ${credential === 'api-key' ? 'API key' : 'JWT    '} + limit / off, req/s: ${shown}` +
        `; server CPU per request (min over rounds), off/on: ${cpuRatio === undefined ? 'n/a' : cpuRatio.toFixed(3)}`,
    );
  }
  if (costs.length > 0) {
    console.log(
      '\nserver CPU per request over auth + limit off (µs, min over rounds; ' +
        'negative or noisy values mean other load on the machine drowned the difference):',
    );
    for (const { backend, what, us } of costs) {
      console.log(`  ${backend.padEnd(8)} ${what.padEnd(16)} ${(us ?? 0).toFixed(1).padStart(7)}`);
    }
  }
  const withCommands = rows.filter((row) => row.redisCommandsPerRequest !== undefined);
  if (withCommands.length > 0) {
    console.log(
      `\nredis commands per request (INFO commandstats over ${COMMAND_SAMPLE_REQUESTS} requests):`,
    );
    for (const row of withCommands) {
      const entries = Object.entries(row.redisCommandsPerRequest ?? {});
      console.log(
        `  ${row.scenario.padEnd(34)} ${entries.length === 0 ? 'none' : entries.map(([name, calls]) => `${name} ${calls}`).join(', ')}`,
      );
    }
  }
  console.log('');
  printTargets(targets);

  const report = {
    benchmark: 'auth',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    environment: environmentReport(loadAverageAtStart, {
      fastify: packageVersion('fastify'),
      autocannon: packageVersion('autocannon'),
      'fast-jwt': packageVersion('fast-jwt'),
      ioredis: packageVersion('ioredis'),
      pg: packageVersion('pg'),
    }),
    settings: {
      host: '127.0.0.1',
      route: BENCH_READ_ROUTE,
      durationS,
      warmupS,
      rounds,
      roundOrder:
        'odd rounds in scenario order, even rounds reversed; figures from the median round',
      connections: CONNECTIONS,
      pipelining: PIPELINING,
      logLevel: 'info',
      backends: backends.map(({ backend, database }) => ({
        backend,
        database,
        rateLimitStore: backend === 'redis' ? `${REDIS_URL}/${REDIS_DB}` : 'memory',
      })),
      rateLimitWhenOn: Number(NEVER_TRIPPING),
      authCacheTtlMs: 'default (10000)',
      jwt: 'HS256, claims sub/tid/scope/exp, one token for the whole run',
      latencySource: 'microsecond histogram of 2xx responses (autocannon response events)',
    },
    runs: rows,
    ratios,
    serverCpuUsPerRequestOverOff: costs,
    startup,
    targets,
  };
  writeResults('auth', startedAt, report);
}

main().catch((error: unknown) => {
  console.error(`${NAME} failed:`, error);
  killAllNow();
  process.exitCode = 1;
});
