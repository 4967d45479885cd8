/** The settings parser: defaults, accepted forms and the one-line error naming the variable. */
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';

function rejects(env: Record<string, string>, variable: string, pattern: RegExp): void {
  assert.throws(
    () => loadConfig(env),
    (error: unknown) =>
      error instanceof ConfigError && error.variable === variable && pattern.test(error.message),
  );
}

describe('config', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 8080);
    assert.equal(config.dataDir, './data');
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.role, 'all');
    assert.equal(config.logLevel, 'info');
    assert.deepEqual(config.corsOrigins, []);
    assert.equal(config.trustProxy, false);
    assert.equal(config.metricsToken, undefined);
    assert.ok(config.maxHeapUsedBytes > 0);
  });

  it('keeps the worker pools and multipart limits that were constants before they were settings', () => {
    const config = loadConfig({});
    assert.equal(config.rerankInlineBudgetUs, 2000);
    assert.equal(config.rerankPoolThreads, 2);
    assert.equal(config.rerankPoolTimeoutMs, 30_000);
    assert.equal(config.rerankPoolHeapMb, 256);
    assert.equal(config.rerankPoolMaxQueue, 128);
    assert.equal(config.convertDataThreads, availableParallelism() > 2 ? 2 : 1);
    assert.equal(config.convertDataTimeoutMs, 20_000);
    assert.equal(config.convertDataHeapMb, 512);
    assert.equal(config.convertDataMaxQueue, 16);
    assert.equal(config.multipartFieldBytes, 64 * 1024);
    assert.equal(loadConfig({ QUIRE_CONVERT_DATA_THREADS: '3' }).convertDataThreads, 3);
    rejects({ QUIRE_RERANK_POOL_MAX_QUEUE: '0' }, 'QUIRE_RERANK_POOL_MAX_QUEUE', /1 to/);
  });

  it('parses every accepted form', () => {
    const config = loadConfig({
      QUIRE_PORT: '0',
      QUIRE_DATABASE_URL: 'postgresql://u@db:5432/quire',
      QUIRE_ROLE: 'WORKER',
      QUIRE_AUTO_MIGRATE: 'off',
      QUIRE_CORS_ORIGINS: 'https://a.example, http://localhost:3000',
      QUIRE_TRUST_PROXY: '2',
      METRICS_TOKEN: 'alias-token-0123456789',
    });
    assert.equal(config.port, 0);
    assert.equal(config.databaseUrl, 'postgresql://u@db:5432/quire');
    assert.equal(config.role, 'worker');
    assert.equal(config.autoMigrate, false);
    assert.deepEqual(config.corsOrigins, ['https://a.example', 'http://localhost:3000']);
    assert.equal(config.trustProxy, 2);
    assert.equal(config.metricsToken, 'alias-token-0123456789');
    assert.deepEqual(loadConfig({ QUIRE_TRUST_PROXY: '10.0.0.0/8, ::1' }).trustProxy, [
      '10.0.0.0/8',
      '::1',
    ]);
    assert.equal(loadConfig({ QUIRE_TRUST_PROXY: 'on' }).trustProxy, true);
  });

  it('names the variable and the problem for each bad value', () => {
    rejects({ QUIRE_PORT: 'abc' }, 'QUIRE_PORT', /integer/);
    rejects({ QUIRE_PORT: '70000' }, 'QUIRE_PORT', /0 to 65535/);
    rejects({ QUIRE_PORT: '' }, 'QUIRE_PORT', /integer/);
    rejects({ QUIRE_DATABASE_URL: 'mysql://x/y' }, 'QUIRE_DATABASE_URL', /postgres/);
    rejects({ QUIRE_DATABASE_URL: 'not a url' }, 'QUIRE_DATABASE_URL', /postgres/);
    rejects({ QUIRE_LOG_LEVEL: 'loud' }, 'QUIRE_LOG_LEVEL', /one of/);
    rejects({ QUIRE_ROLE: 'admin' }, 'QUIRE_ROLE', /all, api, worker/);
    rejects({ QUIRE_AUTO_MIGRATE: 'maybe' }, 'QUIRE_AUTO_MIGRATE', /on or off/);
    rejects(
      { QUIRE_CORS_ORIGINS: 'https://a.example/path' },
      'QUIRE_CORS_ORIGINS',
      /not an origin/,
    );
    rejects({ QUIRE_CORS_ORIGINS: 'nonsense' }, 'QUIRE_CORS_ORIGINS', /not an origin/);
    rejects({ QUIRE_TRUST_PROXY: '10.0.0.0/99' }, 'QUIRE_TRUST_PROXY', /CIDR/);
    rejects({ QUIRE_TRUST_PROXY: 'proxy.local' }, 'QUIRE_TRUST_PROXY', /CIDR/);
    rejects({ QUIRE_BODY_LIMIT_BYTES: '10' }, 'QUIRE_BODY_LIMIT_BYTES', /from 1024/);
    rejects({ QUIRE_METRICS_TOKEN: 'short' }, 'QUIRE_METRICS_TOKEN', /16 to 512/);
    rejects({ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN', /16 to 512/);
  });

  it('takes a Redis prefix without separators or glob characters, of at most 32 characters', () => {
    assert.equal(loadConfig({}).redisPrefix, 'quire');
    assert.equal(
      loadConfig({ QUIRE_REDIS_PREFIX: 'staging-eu_1.b' }).redisPrefix,
      'staging-eu_1.b',
    );
    for (const bad of [
      '',
      'a:b',
      'prod*',
      'x?',
      '[a]',
      '{hash}',
      '-lead',
      'sp ace',
      'é',
      'a'.repeat(33),
    ])
      rejects({ QUIRE_REDIS_PREFIX: bad }, 'QUIRE_REDIS_PREFIX', /1 to 32 letters/);
  });

  it('keeps blobs in the data dir by default and takes the S3 settings only together', () => {
    const fs = loadConfig({});
    assert.equal(fs.blobStore, 'fs');
    assert.equal(fs.s3Region, 'us-east-1');
    assert.equal(fs.s3Prefix, '');
    assert.equal(fs.s3ForcePathStyle, false);
    const s3 = loadConfig({
      QUIRE_BLOB_STORE: 's3',
      QUIRE_S3_BUCKET: 'quire-docs',
      QUIRE_S3_PREFIX: 'prod/eu-1/',
      QUIRE_S3_ENDPOINT: 'http://minio:9000',
      QUIRE_S3_REGION: 'eu-central-1',
      QUIRE_S3_FORCE_PATH_STYLE: 'on',
      QUIRE_S3_SSE: 'aws:kms',
    });
    assert.deepEqual(
      [
        s3.blobStore,
        s3.s3Bucket,
        s3.s3Prefix,
        s3.s3Endpoint,
        s3.s3Region,
        s3.s3ForcePathStyle,
        s3.s3Sse,
      ],
      ['s3', 'quire-docs', 'prod/eu-1/', 'http://minio:9000', 'eu-central-1', true, 'aws:kms'],
    );
    rejects({ QUIRE_BLOB_STORE: 's3' }, 'QUIRE_S3_BUCKET', /required when QUIRE_BLOB_STORE=s3/);
    rejects({ QUIRE_BLOB_STORE: 'gcs' }, 'QUIRE_BLOB_STORE', /fs, s3/);
    rejects({ QUIRE_S3_BUCKET: 'Has_Upper' }, 'QUIRE_S3_BUCKET', /bucket name/);
    rejects({ QUIRE_S3_PREFIX: '/abs/' }, 'QUIRE_S3_PREFIX', /must not start with \//);
    rejects({ QUIRE_S3_PREFIX: 'a/../b/' }, 'QUIRE_S3_PREFIX', /\.\. segment/);
    rejects({ QUIRE_S3_ENDPOINT: 'ftp://x' }, 'QUIRE_S3_ENDPOINT', /http/);
    rejects({ QUIRE_S3_SSE: 'aes256' }, 'QUIRE_S3_SSE', /AES256, aws:kms/);
    rejects({ QUIRE_S3_FORCE_PATH_STYLE: 'perhaps' }, 'QUIRE_S3_FORCE_PATH_STYLE', /on or off/);
  });
});
