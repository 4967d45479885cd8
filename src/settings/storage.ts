/** Where data lives: the data directory, the database, Redis, and the key for files at rest. */
import {
  boolean,
  databaseUrl,
  encryptionKey,
  integer,
  redisPrefix,
  redisUrl,
  text,
} from './parsers.js';
import type { SettingsTable } from './setting.js';

/** The data directory (embedded database, blobs, temporary files) and the database. */
export interface DatabaseConfig {
  dataDir: string;
  tmpMaxAgeS: number;
  databaseUrl: string | undefined;
  databasePoolMax: number;
  autoMigrate: boolean;
}

export const DATABASE_SETTINGS: SettingsTable<DatabaseConfig> = {
  dataDir: {
    key: 'dataDir',
    env: 'QUIRE_DATA_DIR',
    default: './data',
    parse: text(1, 1024),
    description: 'Directory for the embedded database, blobs and temporary files.',
  },
  tmpMaxAgeS: {
    key: 'tmpMaxAgeS',
    env: 'QUIRE_TMP_MAX_AGE_S',
    default: '86400',
    parse: integer(600, 30 * 24 * 3600),
    description:
      'At start, files in `<data dir>/tmp` of dead processes of this host go, and any unwritten this long (keep it above the longest upload or extraction).',
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
};

/** Redis, shared by every instance for rate limits, idempotency, revocations and the job queue. */
export interface RedisConfig {
  redisUrl: string | undefined;
  redisPrefix: string;
  redisCommandTimeoutMs: number;
}

export const REDIS_SETTINGS: SettingsTable<RedisConfig> = {
  redisUrl: {
    key: 'redisUrl',
    env: 'QUIRE_REDIS_URL',
    default: '',
    parse: redisUrl,
    description:
      'A redis:// URL moves rate limits and key-revocation notices to Redis (shared by every instance); unset keeps them in process.',
  },
  redisPrefix: {
    key: 'redisPrefix',
    env: 'QUIRE_REDIS_PREFIX',
    default: 'quire',
    parse: redisPrefix,
    description:
      'Namespace of every Redis key, BullMQ queue and pub/sub channel of this deployment (`<prefix>:…`), so deployments sharing one Redis stay apart: 1–32 letters, digits, `-`, `_`, `.`.',
  },
  redisCommandTimeoutMs: {
    key: 'redisCommandTimeoutMs',
    env: 'QUIRE_REDIS_COMMAND_TIMEOUT_MS',
    default: '500',
    parse: integer(10, 60000),
    description:
      'How long one Redis command may take before it counts as failed (then rate limits fail open or closed).',
  },
};

/** Encryption at rest of stored files and content, and whether a plaintext search index is kept. */
export interface EncryptionConfig {
  encryptionKey: Buffer | undefined;
  searchIndex: boolean;
}

export const ENCRYPTION_SETTINGS: SettingsTable<EncryptionConfig> = {
  encryptionKey: {
    key: 'encryptionKey',
    env: 'QUIRE_ENCRYPTION_KEY',
    default: '',
    parse: encryptionKey,
    description:
      'When set (32 bytes, base64), stored files and the extracted text, Markdown and passages in the database are encrypted at rest with AES-256-GCM (see docs/security.md).',
  },
  searchIndex: {
    key: 'searchIndex',
    env: 'QUIRE_SEARCH_INDEX',
    default: 'on',
    parse: boolean,
    description:
      'Keep the full-text index that POST /v1/search reads. Its terms are plaintext even with QUIRE_ENCRYPTION_KEY; `off` writes none (and empties it at start) and search answers 409 SEARCH_DISABLED.',
  },
};

export type StorageConfig = DatabaseConfig & RedisConfig & EncryptionConfig;
