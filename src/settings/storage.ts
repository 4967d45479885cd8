/** Where data lives: the data directory, the database, Redis, and the key for files at rest. */
import {
  awsRegion,
  boolean,
  bucketName,
  databaseUrl,
  encryptionKey,
  httpUrl,
  integer,
  keyPrefix,
  oneOf,
  redisPrefix,
  redisUrl,
  s3Sse,
  text,
  type S3SseMode,
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

/** Where document bytes live: the data directory, or an S3-compatible bucket shared by every instance. */
export interface BlobStoreConfig {
  blobStore: 'fs' | 's3';
  s3Bucket: string | undefined;
  s3Prefix: string;
  s3Endpoint: string | undefined;
  s3Region: string;
  s3ForcePathStyle: boolean;
  s3Sse: S3SseMode | undefined;
}

export const BLOB_STORE_SETTINGS: SettingsTable<BlobStoreConfig> = {
  blobStore: {
    key: 'blobStore',
    env: 'QUIRE_BLOB_STORE',
    default: 'fs',
    parse: oneOf(['fs', 's3'] as const),
    description:
      'Where uploaded files live: `fs` (`<data dir>/blobs`) or `s3` (an S3-compatible bucket, shared by every instance; credentials from the standard AWS chain).',
  },
  s3Bucket: {
    key: 's3Bucket',
    env: 'QUIRE_S3_BUCKET',
    default: '',
    parse: bucketName,
    description: 'The bucket blobs go to (required with QUIRE_BLOB_STORE=s3).',
  },
  s3Prefix: {
    key: 's3Prefix',
    env: 'QUIRE_S3_PREFIX',
    default: '',
    parse: keyPrefix,
    description:
      'Prepended to every object key (e.g. `quire/prod/`), so deployments can share a bucket.',
  },
  s3Endpoint: {
    key: 's3Endpoint',
    env: 'QUIRE_S3_ENDPOINT',
    default: '',
    parse: httpUrl,
    description:
      'The S3 endpoint URL for MinIO, Ceph RGW, R2, Garage and the like; unset uses AWS for the region.',
  },
  s3Region: {
    key: 's3Region',
    env: 'QUIRE_S3_REGION',
    default: 'us-east-1',
    parse: awsRegion,
    description: 'The bucket’s region (signing region for other S3-compatible stores).',
  },
  s3ForcePathStyle: {
    key: 's3ForcePathStyle',
    env: 'QUIRE_S3_FORCE_PATH_STYLE',
    default: 'off',
    parse: boolean,
    description:
      'Address the bucket as `<endpoint>/<bucket>` rather than `<bucket>.<endpoint>` (most self-hosted stores need on).',
  },
  s3Sse: {
    key: 's3Sse',
    env: 'QUIRE_S3_SSE',
    default: '',
    parse: s3Sse,
    description:
      'Ask the store to encrypt objects server-side too (`AES256`, `aws:kms`, `aws:kms:dsse`); QUIRE_ENCRYPTION_KEY encrypts before upload either way.',
  },
};

export type StorageConfig = DatabaseConfig & RedisConfig & EncryptionConfig & BlobStoreConfig;
