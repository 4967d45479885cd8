/**
 * The blob store for QUIRE_BLOB_STORE: the data directory (fs) or an S3-compatible bucket,
 * whose client is built here with its timeouts and retry strategy; credentials come from the
 * standard AWS chain (environment, profiles, instance and pod roles).
 */
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { BlobStore } from '../ports/blob-store.js';
import { createFsBlobStore } from '../adapters/fs-blobs/blob-store.js';
import { createS3BlobStore } from '../adapters/s3-blobs/blob-store.js';
import { createS3Guard } from '../adapters/s3-blobs/failures.js';

export interface OpenedBlobStore {
  blobs: BlobStore;
  close(): void;
}

export function openBlobStore(config: Config, logger: Logger): OpenedBlobStore {
  const encryption =
    config.encryptionKey === undefined ? {} : { encryptionKey: config.encryptionKey };
  if (config.blobStore === 'fs' || config.s3Bucket === undefined)
    return {
      blobs: createFsBlobStore({ root: config.dataDir, ...encryption }),
      close: () => undefined,
    };
  const client = new S3Client({
    region: config.s3Region,
    forcePathStyle: config.s3ForcePathStyle,
    ...(config.s3Endpoint === undefined
      ? {}
      : {
          endpoint: config.s3Endpoint,
          // Other S3-compatible stores do not all take the newer default checksum trailers.
          requestChecksumCalculation: 'WHEN_REQUIRED' as const,
          responseChecksumValidation: 'WHEN_REQUIRED' as const,
        }),
    // The standard strategy retries 5xx, throttling and transient network errors with
    // exponential backoff and full jitter; the guard's breaker then stops retrying an outage.
    retryMode: 'standard',
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 3000, requestTimeout: 30_000 },
  });
  const guard = createS3Guard({
    onStateChange: (state) =>
      logger.warn({ bucket: config.s3Bucket, state }, 'blob store circuit breaker changed state'),
  });
  const blobs = createS3BlobStore({
    client,
    bucket: config.s3Bucket,
    prefix: config.s3Prefix,
    tmpDir: join(config.dataDir, 'tmp'),
    guard,
    ...encryption,
    ...(config.s3Sse === undefined ? {} : { serverSideEncryption: config.s3Sse }),
  });
  return { blobs, close: () => client.destroy() };
}
