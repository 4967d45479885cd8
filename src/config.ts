/**
 * Every setting Quire reads, in one table: its environment variable, its default, how it is
 * parsed and what it means. `loadConfig` reads them once at boot; the first bad value throws a
 * `ConfigError` naming the variable, and the CLI turns that into one line and exit code 1.
 */
import { getHeapStatistics } from 'node:v8';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { looksLikeApiKey } from './domain/api-keys.js';
import { JWT_ALGORITHMS, type JwtAlgorithm } from './domain/jwt.js';
import type { ExtractionLimits } from './ports/extractor.js';

export type Role = 'all' | 'api' | 'worker';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type TrustProxy = boolean | number | string[];

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  databasePoolMax: number;
  autoMigrate: boolean;
  role: Role;
  logLevel: LogLevel;
  corsOrigins: string[];
  trustProxy: TrustProxy;
  bodyLimitBytes: number;
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  shutdownTimeoutMs: number;
  shutdownDelayMs: number;
  maxEventLoopDelayMs: number;
  maxHeapUsedBytes: number;
  maxRssBytes: number;
  pressureSampleIntervalMs: number;
  overloadRetryAfterSeconds: number;
  readyCheckTimeoutMs: number;
  metricsToken: string | undefined;
  redisUrl: string | undefined;
  auth: boolean;
  bootstrapAdminKey: string | undefined;
  jwtSecret: string | undefined;
  jwtPublicKeyFile: string | undefined;
  jwtJwksFile: string | undefined;
  jwtAlgorithms: JwtAlgorithm[];
  jwtIssuer: string | undefined;
  jwtAudience: string | undefined;
  authCacheTtlMs: number;
  authFailureLimit: number;
  authFailureWindowS: number;
  rateLimitMeta: number;
  rateLimitRead: number;
  rateLimitWrite: number;
  rateLimitUpload: number;
  rateLimitSearch: number;
  rateLimitAdmin: number;
  rateLimitElevatedFactor: number;
  rateLimitOnStoreFailure: 'open' | 'closed';
  redisCommandTimeoutMs: number;
  maxUploadBytes: number;
  maxTextBytes: number;
  multipartFieldBytes: number;
  encryptionKey: Buffer | undefined;
  fetchAllowHosts: string[];
  fetchConnectTimeoutMs: number;
  fetchTotalTimeoutMs: number;
  fetchMaxBytes: number;
  fetchRetries: number;
  idempotencyTtlS: number;
  jobRetryBaseMs: number;
  workerPollMs: number;
  jobLeaseMs: number;
  jobMaxAttempts: number;
  extractionWorkers: number;
  extractionTimeoutMs: number;
  extractionHeapMb: number;
  extractionRecycleAfter: number;
  extractionNice: number;
  largeDocumentBytes: number;
  maxPages: number;
  maxUnzippedBytes: number;
  maxExtractedChars: number;
  ocr: boolean;
  ocrMaxPages: number;
  sseMaxStreams: number;
  webhookRetryBaseMs: number;
  webhookRetryWindowS: number;
  webhookTimeoutMs: number;
  webhookConcurrency: number;
  rerankModelDir: string | undefined;
  rerankMaxLength: number;
  rerankThreads: number;
  bm25K1: number;
  bm25B: number;
  rerankDeadlineMs: number;
  rerankOffloadAboveChars: number;
  rerankPoolThreads: number;
  rerankPoolTimeoutMs: number;
  rerankPoolHeapMb: number;
  rerankPoolMaxQueue: number;
  convertDataThreads: number;
  convertDataTimeoutMs: number;
  convertDataHeapMb: number;
  convertDataMaxQueue: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

type Parser<T> = (raw: string) => T;

interface Setting<K extends keyof Config> {
  key: K;
  env: string;
  /** Other names accepted for the same setting, read when `env` is unset. */
  aliases?: string[];
  /** The raw default, or a function computing it (for machine-dependent defaults). */
  default: string | (() => string) | undefined;
  parse: Parser<Config[K]>;
  description: string;
}

const integer =
  (min: number, max: number = Number.MAX_SAFE_INTEGER): Parser<number> =>
  (raw) => {
    if (!/^-?\d+$/.test(raw.trim())) throw new Error(`must be an integer, got "${raw}"`);
    const value = Number(raw.trim());
    if (value < min || value > max) throw new Error(`must be from ${min} to ${max}, got ${value}`);
    return value;
  };

const decimal =
  (min: number, max: number): Parser<number> =>
  (raw) => {
    if (!/^\d+(\.\d+)?$/.test(raw.trim()))
      throw new Error(`must be a decimal number, got "${raw}"`);
    const value = Number(raw.trim());
    if (value < min || value > max) throw new Error(`must be from ${min} to ${max}, got ${value}`);
    return value;
  };

const oneOf =
  <T extends string>(values: readonly T[]): Parser<T> =>
  (raw) => {
    const value = raw.trim().toLowerCase();
    if (!(values as readonly string[]).includes(value)) {
      throw new Error(`must be one of ${values.join(', ')}, got "${raw}"`);
    }
    return value as T;
  };

const TRUE_WORDS = ['on', 'true', '1', 'yes'];
const FALSE_WORDS = ['off', 'false', '0', 'no'];

const boolean: Parser<boolean> = (raw) => {
  const value = raw.trim().toLowerCase();
  if (TRUE_WORDS.includes(value)) return true;
  if (FALSE_WORDS.includes(value)) return false;
  throw new Error(`must be on or off, got "${raw}"`);
};

const text =
  (minLength = 1, maxLength = 4096): Parser<string> =>
  (raw) => {
    if (raw.length < minLength || raw.length > maxLength) {
      throw new Error(`must be ${minLength} to ${maxLength} characters long`);
    }
    return raw;
  };

const optional =
  <T>(parse: Parser<T>): Parser<T | undefined> =>
  (raw) =>
    raw === '' ? undefined : parse(raw);

const commaList = (raw: string): string[] =>
  raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

const databaseUrl: Parser<string | undefined> = (raw) => {
  if (raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('must be a postgres:// or postgresql:// URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new Error(`must be a postgres:// or postgresql:// URL, got scheme "${url.protocol}"`);
  }
  return raw;
};

const origins: Parser<string[]> = (raw) =>
  commaList(raw).map((origin) => {
    if (origin === '*') return origin;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new Error(`"${origin}" is not an origin like https://app.example.com`);
    }
    if (url.origin !== origin) {
      throw new Error(
        `"${origin}" is not an origin (scheme://host[:port], no path), try "${url.origin}"`,
      );
    }
    return origin;
  });

const CIDR = /^(?<address>[^/]+)(?:\/(?<bits>\d{1,3}))?$/;

const trustProxy: Parser<TrustProxy> = (raw) => {
  const value = raw.trim().toLowerCase();
  if (TRUE_WORDS.includes(value) && value !== '1') return true;
  if (FALSE_WORDS.includes(value) && value !== '0') return false;
  if (/^\d+$/.test(value)) return integer(0, 64)(value);
  return commaList(raw).map((entry) => {
    const match = CIDR.exec(entry);
    const address = match?.groups?.address ?? '';
    const family = isIP(address);
    const bits = match?.groups?.bits;
    const maxBits = family === 6 ? 128 : 32;
    if (family === 0 || (bits !== undefined && Number(bits) > maxBits)) {
      throw new Error(
        `must be off, on, a hop count, or a comma list of IP addresses/CIDR ranges; "${entry}" is none of these`,
      );
    }
    return entry;
  });
};

const redisUrl: Parser<string | undefined> = (raw) => {
  if (raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('must be a redis:// or rediss:// URL');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new Error(`must be a redis:// or rediss:// URL, got scheme "${url.protocol}"`);
  }
  return raw;
};

const bootstrapKey: Parser<string | undefined> = (raw) => {
  if (raw === '') return undefined;
  if (!looksLikeApiKey(raw)) {
    throw new Error('must look like an API key: qk_ followed by 32 to 128 of [A-Za-z0-9_-]');
  }
  return raw;
};

const algorithms: Parser<JwtAlgorithm[]> = (raw) =>
  commaList(raw).map((name) => {
    if (name.toLowerCase() === 'none') throw new Error('"none" is never accepted');
    if (!(JWT_ALGORITHMS as readonly string[]).includes(name)) {
      throw new Error(`"${name}" is not one of ${JWT_ALGORITHMS.join(', ')}`);
    }
    return name as JwtAlgorithm;
  });

const rateLimit = (tier: string, perMinute: number): string =>
  `Requests per minute per API key (per client IP when unauthenticated) on ${tier} routes (0: unlimited). Default ${perMinute}.`;

const encryptionKey: Parser<Buffer | undefined> = (raw) => {
  if (raw === '') return undefined;
  const key = Buffer.from(raw, 'base64');
  if (
    key.length !== 32 ||
    key.toString('base64').replace(/=+$/, '') !== raw.trim().replace(/=+$/, '')
  ) {
    throw new Error('must be 32 bytes, base64-encoded (e.g. `openssl rand -base64 32`)');
  }
  return key;
};

const hostList: Parser<string[]> = (raw) =>
  commaList(raw).map((entry) => {
    if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(entry)) {
      throw new Error(`"${entry}" is not host or host:port`);
    }
    return entry.toLowerCase();
  });

/** 90% of V8's heap limit: shedding starts before the process would die of out-of-memory. */
const defaultHeapThreshold = (): string =>
  String(Math.floor(getHeapStatistics().heap_size_limit * 0.9));

const SETTINGS: { [K in keyof Config]: Setting<K> } = {
  host: {
    key: 'host',
    env: 'QUIRE_HOST',
    default: '0.0.0.0',
    parse: text(1, 255),
    description: 'Address the HTTP server listens on.',
  },
  port: {
    key: 'port',
    env: 'QUIRE_PORT',
    default: '8080',
    parse: integer(0, 65535),
    description: 'Port the HTTP server listens on (0 picks a free one).',
  },
  dataDir: {
    key: 'dataDir',
    env: 'QUIRE_DATA_DIR',
    default: './data',
    parse: text(1, 1024),
    description: 'Directory for the embedded database, blobs and temporary files.',
  },
  databaseUrl: {
    key: 'databaseUrl',
    env: 'QUIRE_DATABASE_URL',
    default: undefined,
    parse: databaseUrl,
    description:
      'A postgres:// URL switches the stores to PostgreSQL; unset uses SQLite in the data dir.',
  },
  databasePoolMax: {
    key: 'databasePoolMax',
    env: 'QUIRE_DATABASE_POOL_MAX',
    default: '10',
    parse: integer(1, 1000),
    description: 'Most PostgreSQL connections one process opens.',
  },
  autoMigrate: {
    key: 'autoMigrate',
    env: 'QUIRE_AUTO_MIGRATE',
    default: 'on',
    parse: boolean,
    description: 'Apply pending database migrations at start (off: run `quire migrate` yourself).',
  },
  role: {
    key: 'role',
    env: 'QUIRE_ROLE',
    default: 'all',
    parse: oneOf(['all', 'api', 'worker'] as const),
    description: '`all` (API and workers in one process), `api` or `worker`.',
  },
  logLevel: {
    key: 'logLevel',
    env: 'QUIRE_LOG_LEVEL',
    default: 'info',
    parse: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    description: 'Log level (pino).',
  },
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
  bodyLimitBytes: {
    key: 'bodyLimitBytes',
    env: 'QUIRE_BODY_LIMIT_BYTES',
    default: String(1024 * 1024),
    parse: integer(1024, 1024 * 1024 * 1024),
    description: 'Largest JSON or text request body accepted (routes may set lower limits).',
  },
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
    description: 'Most time a client may take to send the request headers (slowloris guard).',
  },
  keepAliveTimeoutMs: {
    key: 'keepAliveTimeoutMs',
    env: 'QUIRE_KEEP_ALIVE_TIMEOUT_MS',
    default: '65000',
    parse: integer(0, 600000),
    description:
      'How long an idle keep-alive connection stays open (above your load balancer’s idle timeout).',
  },
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
  readyCheckTimeoutMs: {
    key: 'readyCheckTimeoutMs',
    env: 'QUIRE_READY_CHECK_TIMEOUT_MS',
    default: '2000',
    parse: integer(50, 60000),
    description: 'How long one readiness check (database, …) may take before it counts as failed.',
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
  redisUrl: {
    key: 'redisUrl',
    env: 'QUIRE_REDIS_URL',
    default: '',
    parse: redisUrl,
    description:
      'A redis:// URL moves rate limits and key-revocation notices to Redis (shared by every instance); unset keeps them in process.',
  },
  redisCommandTimeoutMs: {
    key: 'redisCommandTimeoutMs',
    env: 'QUIRE_REDIS_COMMAND_TIMEOUT_MS',
    default: '500',
    parse: integer(10, 60000),
    description:
      'How long one Redis command may take before it counts as failed (then rate limits fail open or closed).',
  },
  auth: {
    key: 'auth',
    env: 'QUIRE_AUTH',
    default: 'on',
    parse: boolean,
    description:
      '`on`: every /v1 request needs an API key or JWT. `off`: everything is served as tenant `default` (warned at every start).',
  },
  bootstrapAdminKey: {
    key: 'bootstrapAdminKey',
    env: 'QUIRE_BOOTSTRAP_ADMIN_KEY',
    default: '',
    parse: bootstrapKey,
    description:
      'On the first start with no keys, this (qk_…) becomes the admin key of tenant `default`; unset: one is generated and printed once.',
  },
  jwtSecret: {
    key: 'jwtSecret',
    env: 'QUIRE_JWT_SECRET',
    default: '',
    parse: optional(text(32, 4096)),
    description:
      'HMAC secret (≥ 32 characters) for HS256/384/512 JWTs. Unset with no key file: JWTs are refused.',
  },
  jwtPublicKeyFile: {
    key: 'jwtPublicKeyFile',
    env: 'QUIRE_JWT_PUBLIC_KEY_FILE',
    default: '',
    parse: optional(text(1, 4096)),
    description: 'PEM public key file for RS*/PS*/ES*/EdDSA JWTs.',
  },
  jwtJwksFile: {
    key: 'jwtJwksFile',
    env: 'QUIRE_JWT_JWKS_FILE',
    default: '',
    parse: optional(text(1, 4096)),
    description: 'JWKS file (a JSON key set); the token header `kid` picks the key.',
  },
  jwtAlgorithms: {
    key: 'jwtAlgorithms',
    env: 'QUIRE_JWT_ALGORITHMS',
    default: '',
    parse: algorithms,
    description:
      'Allowed JWT algorithms (comma list). Default: HS256 with a secret, RS256 and ES256 with a key file. `none` is never allowed.',
  },
  jwtIssuer: {
    key: 'jwtIssuer',
    env: 'QUIRE_JWT_ISSUER',
    default: '',
    parse: optional(text(1, 1024)),
    description: 'When set, a JWT’s `iss` must equal it.',
  },
  jwtAudience: {
    key: 'jwtAudience',
    env: 'QUIRE_JWT_AUDIENCE',
    default: '',
    parse: optional(text(1, 1024)),
    description: 'When set, a JWT’s `aud` must contain it.',
  },
  authCacheTtlMs: {
    key: 'authCacheTtlMs',
    env: 'QUIRE_AUTH_CACHE_TTL_MS',
    default: '10000',
    parse: integer(0, 600000),
    description:
      'How long a verified API key is cached in process. Revocation clears it at once here and, with Redis, on every instance; without Redis other instances notice within this time.',
  },
  authFailureLimit: {
    key: 'authFailureLimit',
    env: 'QUIRE_AUTH_FAILURE_LIMIT',
    default: '20',
    parse: integer(1, 1_000_000),
    description:
      'Failed authentications one client address may make per window before it gets 429 (brute-force guard).',
  },
  authFailureWindowS: {
    key: 'authFailureWindowS',
    env: 'QUIRE_AUTH_FAILURE_WINDOW_S',
    default: '300',
    parse: integer(1, 86400),
    description: 'The brute-force guard’s window.',
  },
  rateLimitMeta: {
    key: 'rateLimitMeta',
    env: 'QUIRE_RATE_LIMIT_META',
    default: '600',
    parse: integer(0),
    description: rateLimit('meta', 600),
  },
  rateLimitRead: {
    key: 'rateLimitRead',
    env: 'QUIRE_RATE_LIMIT_READ',
    default: '600',
    parse: integer(0),
    description: rateLimit('read', 600),
  },
  rateLimitWrite: {
    key: 'rateLimitWrite',
    env: 'QUIRE_RATE_LIMIT_WRITE',
    default: '120',
    parse: integer(0),
    description: rateLimit('write', 120),
  },
  rateLimitUpload: {
    key: 'rateLimitUpload',
    env: 'QUIRE_RATE_LIMIT_UPLOAD',
    default: '60',
    parse: integer(0),
    description: rateLimit('upload', 60),
  },
  rateLimitSearch: {
    key: 'rateLimitSearch',
    env: 'QUIRE_RATE_LIMIT_SEARCH',
    default: '300',
    parse: integer(0),
    description: rateLimit('search', 300),
  },
  rateLimitAdmin: {
    key: 'rateLimitAdmin',
    env: 'QUIRE_RATE_LIMIT_ADMIN',
    default: '120',
    parse: integer(0),
    description: rateLimit('admin', 120),
  },
  rateLimitElevatedFactor: {
    key: 'rateLimitElevatedFactor',
    env: 'QUIRE_RATE_LIMIT_ELEVATED_FACTOR',
    default: '10',
    parse: integer(1, 10000),
    description:
      'Keys with rate_tier `elevated` get this many times every limit (`unlimited` keys are not limited).',
  },
  rateLimitOnStoreFailure: {
    key: 'rateLimitOnStoreFailure',
    env: 'QUIRE_RATE_LIMIT_ON_STORE_FAILURE',
    default: 'open',
    parse: oneOf(['open', 'closed'] as const),
    description:
      'When the rate-limit store (Redis) fails: `open` lets requests through (counted, /health degraded), `closed` answers 503.',
  },
  maxUploadBytes: {
    key: 'maxUploadBytes',
    env: 'QUIRE_MAX_UPLOAD_BYTES',
    default: String(1024 ** 3),
    parse: integer(1, 1024 ** 4),
    description: 'Largest file accepted by upload or URL fetch (413 as soon as it is crossed).',
  },
  maxTextBytes: {
    key: 'maxTextBytes',
    env: 'QUIRE_MAX_TEXT_BYTES',
    default: String(10 * 1024 ** 2),
    parse: integer(1, 1024 ** 3),
    description: 'Largest `text` accepted by JSON text ingestion, in UTF-8 bytes.',
  },
  multipartFieldBytes: {
    key: 'multipartFieldBytes',
    env: 'QUIRE_MULTIPART_FIELD_BYTES',
    default: String(64 * 1024),
    parse: integer(1, 1024 ** 3),
    description:
      'Largest text field (tags, metadata, title, password) of a multipart upload; a longer one answers 413.',
  },
  encryptionKey: {
    key: 'encryptionKey',
    env: 'QUIRE_ENCRYPTION_KEY',
    default: '',
    parse: encryptionKey,
    description:
      'When set (32 bytes, base64), stored files are encrypted at rest with AES-256-GCM.',
  },
  fetchAllowHosts: {
    key: 'fetchAllowHosts',
    env: 'QUIRE_FETCH_ALLOW_HOSTS',
    default: '',
    parse: hostList,
    description: 'Comma list of host[:port] exempt from the SSRF guard (tests, intranets).',
  },
  fetchConnectTimeoutMs: {
    key: 'fetchConnectTimeoutMs',
    env: 'QUIRE_FETCH_CONNECT_TIMEOUT_MS',
    default: '5000',
    parse: integer(100, 120000),
    description: 'URL ingestion: time to connect (and to receive response headers).',
  },
  fetchTotalTimeoutMs: {
    key: 'fetchTotalTimeoutMs',
    env: 'QUIRE_FETCH_TOTAL_TIMEOUT_MS',
    default: '300000',
    parse: integer(1000, 24 * 3600 * 1000),
    description: 'URL ingestion: time for one whole download.',
  },
  fetchMaxBytes: {
    key: 'fetchMaxBytes',
    env: 'QUIRE_FETCH_MAX_BYTES',
    default: String(1024 ** 3),
    parse: integer(1, 1024 ** 4),
    description: 'URL ingestion: largest download; the fetch stops at this many bytes.',
  },
  fetchRetries: {
    key: 'fetchRetries',
    env: 'QUIRE_FETCH_RETRIES',
    default: '3',
    parse: integer(0, 10),
    description: 'URL ingestion: retries of one fetch on network errors, timeouts, 5xx and 429.',
  },
  idempotencyTtlS: {
    key: 'idempotencyTtlS',
    env: 'QUIRE_IDEMPOTENCY_TTL_S',
    default: '86400',
    parse: integer(60, 30 * 86400),
    description: 'How long an Idempotency-Key and the answer kept under it live.',
  },
  jobRetryBaseMs: {
    key: 'jobRetryBaseMs',
    env: 'QUIRE_JOB_RETRY_BASE_MS',
    default: '5000',
    parse: integer(10, 3600000),
    description:
      'First retry delay of a failed job; doubled each attempt, jittered, capped at 15 minutes.',
  },
  workerPollMs: {
    key: 'workerPollMs',
    env: 'QUIRE_WORKER_POLL_MS',
    default: '250',
    parse: integer(10, 60000),
    description: 'How often an idle worker looks for due jobs.',
  },
  jobLeaseMs: {
    key: 'jobLeaseMs',
    env: 'QUIRE_JOB_LEASE_MS',
    default: '30000',
    parse: integer(1000, 3600000),
    description:
      'How long a worker holds a job without a heartbeat; a job whose worker died is taken over after this.',
  },
  jobMaxAttempts: {
    key: 'jobMaxAttempts',
    env: 'QUIRE_JOB_MAX_ATTEMPTS',
    default: '3',
    parse: integer(1, 50),
    description: 'Attempts of a job before a retryable failure makes it `dead`.',
  },
  extractionWorkers: {
    key: 'extractionWorkers',
    env: 'QUIRE_EXTRACTION_WORKERS',
    default: () => String(availableParallelism()),
    parse: integer(1, 256),
    description: 'Extraction worker threads per worker process (default: the CPU count).',
  },
  extractionTimeoutMs: {
    key: 'extractionTimeoutMs',
    env: 'QUIRE_EXTRACTION_TIMEOUT_MS',
    default: '300000',
    parse: integer(100, 24 * 3600000),
    description:
      'Longest extraction of one document; past it the worker thread is stopped and the job fails with EXTRACTION_TIMEOUT (retried).',
  },
  extractionHeapMb: {
    key: 'extractionHeapMb',
    env: 'QUIRE_EXTRACTION_HEAP_MB',
    default: '1024',
    parse: integer(16, 65536),
    description:
      'Heap cap of one extraction worker thread; a thread that exceeds it is replaced and its job retried as WORKER_CRASHED.',
  },
  extractionRecycleAfter: {
    key: 'extractionRecycleAfter',
    env: 'QUIRE_EXTRACTION_RECYCLE_AFTER',
    default: '200',
    parse: integer(1, 1000000),
    description: 'An extraction worker thread is replaced after this many documents.',
  },
  extractionNice: {
    key: 'extractionNice',
    env: 'QUIRE_EXTRACTION_NICE',
    default: '10',
    parse: integer(0, 19),
    description:
      'Nice increment of extraction worker threads (Linux): with every core extracting, requests are still served first.',
  },
  largeDocumentBytes: {
    key: 'largeDocumentBytes',
    env: 'QUIRE_LARGE_DOCUMENT_BYTES',
    default: String(8 * 1024 * 1024),
    parse: integer(1),
    description:
      'Documents this big or bigger go to the large lane, which never takes the last worker thread: small documents do not wait behind them.',
  },
  maxPages: {
    key: 'maxPages',
    env: 'QUIRE_MAX_PAGES',
    default: '5000',
    parse: integer(1, 1000000),
    description:
      'A document with more pages fails with UNPROCESSABLE_DOCUMENT before its text is extracted.',
  },
  maxUnzippedBytes: {
    key: 'maxUnzippedBytes',
    env: 'QUIRE_MAX_UNZIPPED_BYTES',
    default: String(512 * 1024 * 1024),
    parse: integer(1024),
    description: 'Largest total uncompressed size of a DOCX (against zip bombs).',
  },
  maxExtractedChars: {
    key: 'maxExtractedChars',
    env: 'QUIRE_MAX_EXTRACTED_CHARS',
    default: String(100_000_000),
    parse: integer(1000),
    description:
      'Extracted text kept per document, in characters; the rest is dropped and flagged.',
  },
  ocr: {
    key: 'ocr',
    env: 'QUIRE_OCR',
    default: 'off',
    parse: boolean,
    description: '`on`: OCR the pages of PDFs without a text layer (tesseract.js, English).',
  },
  ocrMaxPages: {
    key: 'ocrMaxPages',
    env: 'QUIRE_OCR_MAX_PAGES',
    default: '50',
    parse: integer(1, 100000),
    description: 'OCR at most this many pages of one document.',
  },
  sseMaxStreams: {
    key: 'sseMaxStreams',
    env: 'QUIRE_SSE_MAX_STREAMS',
    default: '1000',
    parse: integer(1, 1000000),
    description: 'Job event streams (SSE) open at once per process; more answer 503 OVERLOADED.',
  },
  webhookRetryBaseMs: {
    key: 'webhookRetryBaseMs',
    env: 'QUIRE_WEBHOOK_RETRY_BASE_MS',
    default: '10000',
    parse: integer(10, 3600000),
    description:
      'First retry delay of a failed webhook delivery; doubled each attempt, capped at 1 hour, jittered by up to 10%.',
  },
  webhookRetryWindowS: {
    key: 'webhookRetryWindowS',
    env: 'QUIRE_WEBHOOK_RETRY_WINDOW_S',
    default: '86400',
    parse: integer(0, 7 * 86400),
    description:
      'How long a failing webhook delivery keeps being retried (at least); then it is `failed` and its job `dead`. 0: one attempt.',
  },
  webhookTimeoutMs: {
    key: 'webhookTimeoutMs',
    env: 'QUIRE_WEBHOOK_TIMEOUT_MS',
    default: '10000',
    parse: integer(100, 120000),
    description:
      'Most time one webhook delivery attempt may take (connect, send, response); past it the attempt fails and is retried.',
  },
  webhookConcurrency: {
    key: 'webhookConcurrency',
    env: 'QUIRE_WEBHOOK_CONCURRENCY',
    default: '8',
    parse: integer(1, 256),
    description: 'Webhook deliveries sent at once per worker process.',
  },
  bm25K1: {
    key: 'bm25K1',
    env: 'QUIRE_BM25_K1',
    default: '1.2',
    parse: decimal(0, 10),
    description: 'BM25 term-frequency saturation (k1) of lexical rerank and search scoring.',
  },
  bm25B: {
    key: 'bm25B',
    env: 'QUIRE_BM25_B',
    default: '0.75',
    parse: decimal(0, 1),
    description:
      'BM25 document-length normalisation (b, 0 to 1) of lexical rerank and search scoring.',
  },
  rerankDeadlineMs: {
    key: 'rerankDeadlineMs',
    env: 'QUIRE_RERANK_DEADLINE_MS',
    default: '2000',
    parse: integer(10, 120000),
    description:
      'How long the semantic model may take per rerank or similarity request; past it `hybrid` answers lexically (`meta.degraded`) and `semantic` answers 503 MODEL_UNAVAILABLE.',
  },
  rerankModelDir: {
    key: 'rerankModelDir',
    env: 'QUIRE_RERANK_MODEL_DIR',
    default: '',
    parse: optional(text(1, 4096)),
    description:
      'A local Hugging Face ONNX export (cross- or bi-encoder) for semantic rerank and similarity; unset: lexical only. One that fails to load is logged and left out.',
  },
  rerankMaxLength: {
    key: 'rerankMaxLength',
    env: 'QUIRE_RERANK_MAX_LENGTH',
    default: '256',
    parse: integer(8, 8192),
    description:
      'Tokens the semantic model sees per query–document pair (or per text for a bi-encoder); longer input is truncated.',
  },
  rerankThreads: {
    key: 'rerankThreads',
    env: 'QUIRE_RERANK_THREADS',
    default: '1',
    parse: integer(1, 64),
    description: 'Worker threads running the semantic model, each with its own copy of it.',
  },
  rerankOffloadAboveChars: {
    key: 'rerankOffloadAboveChars',
    env: 'QUIRE_RERANK_OFFLOAD_ABOVE_CHARS',
    default: '200000',
    parse: integer(0, 1_000_000_000),
    description:
      'Rerank and similarity requests whose texts total more characters than this are scored lexically in the rerank pool instead of on the event loop.',
  },
  rerankPoolThreads: {
    key: 'rerankPoolThreads',
    env: 'QUIRE_RERANK_POOL_THREADS',
    default: '2',
    parse: integer(1, 256),
    description:
      'Worker threads scoring big lexical rerank and similarity requests (BM25, TF-IDF); started on first use, stopped when idle.',
  },
  rerankPoolTimeoutMs: {
    key: 'rerankPoolTimeoutMs',
    env: 'QUIRE_RERANK_POOL_TIMEOUT_MS',
    default: '30000',
    parse: integer(100, 600000),
    description:
      'Longest lexical scoring task in the rerank pool; past it its thread is stopped and the request answers 503 OVERLOADED.',
  },
  rerankPoolHeapMb: {
    key: 'rerankPoolHeapMb',
    env: 'QUIRE_RERANK_POOL_HEAP_MB',
    default: '256',
    parse: integer(16, 65536),
    description:
      'Heap cap of one rerank pool thread; a task that exceeds it answers 503 OVERLOADED.',
  },
  rerankPoolMaxQueue: {
    key: 'rerankPoolMaxQueue',
    env: 'QUIRE_RERANK_POOL_MAX_QUEUE',
    default: '128',
    parse: integer(1, 1_000_000),
    description:
      'Scoring tasks waiting for a rerank pool thread; past it requests answer 503 OVERLOADED at once instead of piling up.',
  },
  convertDataThreads: {
    key: 'convertDataThreads',
    env: 'QUIRE_CONVERT_DATA_THREADS',
    default: () => (availableParallelism() > 2 ? '2' : '1'),
    parse: integer(1, 256),
    description:
      'Worker threads converting data (`/v1/convert/data`), started on first use (default: 2, or 1 with two CPUs or fewer).',
  },
  convertDataTimeoutMs: {
    key: 'convertDataTimeoutMs',
    env: 'QUIRE_CONVERT_DATA_TIMEOUT_MS',
    default: '20000',
    parse: integer(100, 600000),
    description:
      'Longest data conversion; past it its thread is stopped and the request answers 504 TIMEOUT.',
  },
  convertDataHeapMb: {
    key: 'convertDataHeapMb',
    env: 'QUIRE_CONVERT_DATA_HEAP_MB',
    default: '512',
    parse: integer(16, 65536),
    description:
      'Heap cap of one data conversion thread; a document that needs more answers 422 UNPROCESSABLE_DOCUMENT.',
  },
  convertDataMaxQueue: {
    key: 'convertDataMaxQueue',
    env: 'QUIRE_CONVERT_DATA_MAX_QUEUE',
    default: '16',
    parse: integer(1, 1_000_000),
    description:
      'Data conversions waiting for a thread; past it requests answer 503 OVERLOADED at once.',
  },
};

export type Environment = Record<string, string | undefined>;

function readSetting<K extends keyof Config>(setting: Setting<K>, env: Environment): Config[K] {
  const names = [setting.env, ...(setting.aliases ?? [])];
  const name = names.find((candidate) => env[candidate] !== undefined);
  const fallback = typeof setting.default === 'function' ? setting.default() : setting.default;
  const raw = name === undefined ? fallback : env[name];
  try {
    return setting.parse(raw ?? '');
  } catch (error) {
    throw new ConfigError(name ?? setting.env, (error as Error).message);
  }
}

/** Parses every setting from the environment; throws ConfigError on the first bad one. */
export function loadConfig(env: Environment = process.env): Config {
  const entries = Object.values(SETTINGS).map((setting) => [
    setting.key,
    readSetting(setting as Setting<keyof Config>, env),
  ]);
  return Object.fromEntries(entries) as Config;
}

/** The settings table, for docs and tests that check the docs name every variable. */
export function describeSettings(): { env: string; default: string; description: string }[] {
  return Object.values(SETTINGS).map((setting) => ({
    env: setting.env,
    default: typeof setting.default === 'function' ? '(computed)' : (setting.default ?? '(unset)'),
    description: setting.description,
  }));
}

/** One Markdown table row per setting: `| VAR | default | meaning |`. */
export function settingsTableRows(): string[] {
  return describeSettings().map((setting) => {
    const fallback = setting.default === '' ? '(empty)' : setting.default;
    const shown = fallback.startsWith('(') ? fallback : `\`${fallback}\``;
    return `| \`${setting.env}\` | ${shown} | ${setting.description} |`;
  });
}

/** What extraction may take of a document, from the settings (background jobs and /v1/convert). */
export function extractionLimits(config: Config): ExtractionLimits {
  return {
    maxPages: config.maxPages,
    maxUnzippedBytes: config.maxUnzippedBytes,
    maxTextChars: config.maxExtractedChars,
    maxOcrPages: config.ocrMaxPages,
  };
}
