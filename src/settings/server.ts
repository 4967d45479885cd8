/**
 * The HTTP server process: where it listens, what it runs, whom it trusts, its timeouts, shutdown,
 * load shedding, probes and idempotency window.
 */
import { getHeapStatistics } from 'node:v8';
import { integer, oneOf, optional, origins, text, trustProxy, type TrustProxy } from './parsers.js';
import type { SettingsTable } from './setting.js';

export type Role = 'all' | 'api' | 'worker';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** 90% of V8's heap limit: shedding starts before the process would die of out-of-memory. */
const defaultHeapThreshold = (): string =>
  String(Math.floor(getHeapStatistics().heap_size_limit * 0.9));

/** Where the HTTP server listens. */
export interface ListenerConfig {
  host: string;
  port: number;
}

export const LISTENER_SETTINGS: SettingsTable<ListenerConfig> = {
  host: {
    key: 'host',
    env: 'QUIRE_HOST',
    default: '127.0.0.1',
    parse: text(1, 255),
    description:
      'Address the HTTP server listens on: loopback only by default; `0.0.0.0` (as the container image sets) for every interface.',
  },
  port: {
    key: 'port',
    env: 'QUIRE_PORT',
    default: '8080',
    parse: integer(0, 65535),
    description: 'Port the HTTP server listens on (0 picks a free one).',
  },
};

/** What this process runs and how much it logs. */
export interface ProcessConfig {
  role: Role;
  apiProcesses: number;
  logLevel: LogLevel;
}

export const PROCESS_SETTINGS: SettingsTable<ProcessConfig> = {
  role: {
    key: 'role',
    env: 'QUIRE_ROLE',
    default: 'all',
    parse: oneOf(['all', 'api', 'worker'] as const),
    description: '`all` (API and workers in one process), `api` or `worker`.',
  },
  apiProcesses: {
    key: 'apiProcesses',
    env: 'QUIRE_API_PROCESSES',
    default: '1',
    parse: integer(1, 256),
    description:
      'API processes sharing the port (node:cluster, like uvicorn --workers), for the `api` role with QUIRE_REDIS_URL set: limits, revocations and job events are then shared. 1: this process serves.',
  },
  logLevel: {
    key: 'logLevel',
    env: 'QUIRE_LOG_LEVEL',
    default: 'info',
    parse: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    description: 'Log level (pino).',
  },
};

/** Which browser origins may call cross-origin, and which proxies may name the client. */
export interface ClientTrustConfig {
  corsOrigins: string[];
  trustProxy: TrustProxy;
}

export const CLIENT_TRUST_SETTINGS: SettingsTable<ClientTrustConfig> = {
  corsOrigins: {
    key: 'corsOrigins',
    env: 'QUIRE_CORS_ORIGINS',
    default: '',
    parse: origins,
    description: 'Comma list of origins allowed cross-origin (`*` for any); empty allows none.',
  },
  trustProxy: {
    key: 'trustProxy',
    env: 'QUIRE_TRUST_PROXY',
    default: 'off',
    parse: trustProxy,
    description:
      'Whether to trust X-Forwarded-* headers: off, on (any proxy), a hop count, or a comma list of proxy addresses/CIDRs.',
  },
};

/** How long a client may take over a request, and how long an idle connection stays. */
export interface ConnectionConfig {
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

export const CONNECTION_SETTINGS: SettingsTable<ConnectionConfig> = {
  requestTimeoutMs: {
    key: 'requestTimeoutMs',
    env: 'QUIRE_REQUEST_TIMEOUT_MS',
    default: '300000',
    parse: integer(1000, 24 * 3600 * 1000),
    description: 'Most time a client may take to send a whole request.',
  },
  headersTimeoutMs: {
    key: 'headersTimeoutMs',
    env: 'QUIRE_HEADERS_TIMEOUT_MS',
    default: '20000',
    parse: integer(1000, 600000),
    description:
      'Most time a client may take to send the request headers (slowloris guard); never more than QUIRE_REQUEST_TIMEOUT_MS.',
  },
  keepAliveTimeoutMs: {
    key: 'keepAliveTimeoutMs',
    env: 'QUIRE_KEEP_ALIVE_TIMEOUT_MS',
    default: '65000',
    parse: integer(0, 600000),
    description:
      'How long an idle keep-alive connection stays open (above your load balancer’s idle timeout).',
  },
};

/** How SIGTERM drains the process. */
export interface ShutdownConfig {
  shutdownTimeoutMs: number;
  shutdownDelayMs: number;
}

export const SHUTDOWN_SETTINGS: SettingsTable<ShutdownConfig> = {
  shutdownTimeoutMs: {
    key: 'shutdownTimeoutMs',
    env: 'QUIRE_SHUTDOWN_TIMEOUT_MS',
    default: '30000',
    parse: integer(100, 3600000),
    description:
      'On SIGTERM, how long in-flight work may take before the process exits anyway (code 1).',
  },
  shutdownDelayMs: {
    key: 'shutdownDelayMs',
    env: 'QUIRE_SHUTDOWN_DELAY_MS',
    default: '0',
    parse: integer(0, 600000),
    description:
      'On SIGTERM, how long to keep serving with /readyz at 503 before closing the listener (lets load balancers notice).',
  },
};

/** When requests are shed with 503 OVERLOADED. */
export interface LoadSheddingConfig {
  maxEventLoopDelayMs: number;
  maxHeapUsedBytes: number;
  maxRssBytes: number;
  pressureSampleIntervalMs: number;
  overloadRetryAfterSeconds: number;
}

export const LOAD_SHEDDING_SETTINGS: SettingsTable<LoadSheddingConfig> = {
  maxEventLoopDelayMs: {
    key: 'maxEventLoopDelayMs',
    env: 'QUIRE_MAX_EVENT_LOOP_DELAY_MS',
    default: '1000',
    parse: integer(0),
    description: 'Event-loop delay past which requests are shed with 503 OVERLOADED (0: never).',
  },
  maxHeapUsedBytes: {
    key: 'maxHeapUsedBytes',
    env: 'QUIRE_MAX_HEAP_USED_BYTES',
    default: defaultHeapThreshold,
    parse: integer(0),
    description:
      'Heap use past which requests are shed with 503 OVERLOADED (default 90% of the V8 heap limit; 0: never).',
  },
  maxRssBytes: {
    key: 'maxRssBytes',
    env: 'QUIRE_MAX_RSS_BYTES',
    default: '0',
    parse: integer(0),
    description: 'Resident memory past which requests are shed with 503 OVERLOADED (0: never).',
  },
  pressureSampleIntervalMs: {
    key: 'pressureSampleIntervalMs',
    env: 'QUIRE_PRESSURE_SAMPLE_INTERVAL_MS',
    default: '500',
    parse: integer(10, 60000),
    description: 'How often event-loop delay and memory are sampled for load shedding.',
  },
  overloadRetryAfterSeconds: {
    key: 'overloadRetryAfterSeconds',
    env: 'QUIRE_OVERLOAD_RETRY_AFTER_S',
    default: '5',
    parse: integer(1, 3600),
    description: 'The Retry-After sent with 503 OVERLOADED.',
  },
};

/** The readiness check and the metrics endpoint. */
export interface ProbeConfig {
  readyCheckTimeoutMs: number;
  healthSlowCheckMs: number;
  healthMaxQueuedJobs: number;
  metricsToken: string | undefined;
}

export const PROBE_SETTINGS: SettingsTable<ProbeConfig> = {
  readyCheckTimeoutMs: {
    key: 'readyCheckTimeoutMs',
    env: 'QUIRE_READY_CHECK_TIMEOUT_MS',
    default: '2000',
    parse: integer(50, 60000),
    description: 'How long one readiness check (database, …) may take before it counts as failed.',
  },
  healthSlowCheckMs: {
    key: 'healthSlowCheckMs',
    env: 'QUIRE_HEALTH_SLOW_CHECK_MS',
    default: '500',
    parse: integer(1, 60000),
    description:
      'A dependency check that passes but takes longer than this makes /health `degraded` (`slow_dependency`).',
  },
  healthMaxQueuedJobs: {
    key: 'healthMaxQueuedJobs',
    env: 'QUIRE_HEALTH_MAX_QUEUED_JOBS',
    default: '1000',
    parse: integer(0, 100000000),
    description:
      'More queued jobs than this (across every process) make /health `degraded` (`queue_backlog`).',
  },
  metricsToken: {
    key: 'metricsToken',
    env: 'QUIRE_METRICS_TOKEN',
    aliases: ['METRICS_TOKEN'],
    default: '',
    parse: optional(text(16, 512)),
    description:
      'When set, GET /metrics needs `Authorization: Bearer <token>`. `METRICS_TOKEN` is read too.',
  },
};

/** How long a replayable answer to an Idempotency-Key is kept. */
export interface IdempotencyConfig {
  idempotencyTtlS: number;
}

export const IDEMPOTENCY_SETTINGS: SettingsTable<IdempotencyConfig> = {
  idempotencyTtlS: {
    key: 'idempotencyTtlS',
    env: 'QUIRE_IDEMPOTENCY_TTL_S',
    default: '86400',
    parse: integer(60, 30 * 86400),
    description: 'How long an Idempotency-Key and the answer kept under it live.',
  },
};

/** Where the built web console is (served at /console/). */
export interface ConsoleConfig {
  consoleDir: string | undefined;
}

export const CONSOLE_SETTINGS: SettingsTable<ConsoleConfig> = {
  consoleDir: {
    key: 'consoleDir',
    env: 'QUIRE_CONSOLE_DIR',
    default: '',
    parse: optional(text(1, 4096)),
    description:
      'Folder of the built web console served at `/console/`; empty: the installation’s `console/dist` (written by `npm run build`). Without an `index.html` there, `/console/` answers 404 and `GET /` redirects to `/docs`.',
  },
};

export type ServerConfig = ListenerConfig &
  ProcessConfig &
  ConsoleConfig &
  ClientTrustConfig &
  ConnectionConfig &
  ShutdownConfig &
  LoadSheddingConfig &
  ProbeConfig &
  IdempotencyConfig;
