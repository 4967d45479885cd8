/**
 * Every setting Quire reads, in one table: its environment variable, its default, how it is
 * parsed and what it means. `loadConfig` reads them once at boot; the first bad value throws a
 * `ConfigError` naming the variable, and the CLI turns that into one line and exit code 1.
 */
import { getHeapStatistics } from 'node:v8';
import { isIP } from 'node:net';

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
