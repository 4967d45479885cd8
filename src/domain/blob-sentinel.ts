/**
 * The blob sentinel: a small blob of random bytes written through the BlobStore at a deployment's
 * first start, its SHA-256 recorded in the database. A blob store that does not hold it is not the
 * one this deployment writes to (a volume mounted empty or elsewhere, another bucket or prefix):
 * readiness fails then, naming the blob store, instead of every job failing while /readyz is green.
 * Only the port is used, so it holds for any adapter (local files, S3).
 */
import { randomBytes } from 'node:crypto';
import type { BlobStore } from '../ports/blob-store.js';
import type { DeploymentStore } from '../ports/deployment-store.js';
import type { HealthCheck } from '../ports/health.js';

const SENTINEL_LABEL = 'quire deployment blob sentinel\n';

/** Writes the sentinel if the deployment has none yet; answers the recorded one's SHA-256. */
export async function ensureBlobSentinel(
  blobs: BlobStore,
  deployment: DeploymentStore,
  now: () => Date,
): Promise<string> {
  const existing = await deployment.blobSentinel();
  if (existing !== null) return existing;
  const bytes = Buffer.concat([Buffer.from(SENTINEL_LABEL), randomBytes(32)]);
  const staged = await blobs.stage(
    (async function* () {
      yield bytes;
    })(),
    { maxBytes: bytes.length },
  );
  try {
    await blobs.commit(staged);
  } finally {
    await staged.discard();
  }
  const standing = await deployment.recordBlobSentinel(staged.sha256, now().toISOString());
  // Another process started at the same moment and its sentinel stands: ours is referenced by
  // nothing (random bytes, so no document shares them).
  if (standing !== staged.sha256) await blobs.remove(staged.sha256);
  return standing;
}

/** Why the blob_store check fails when the sentinel is missing (shown on /health only). */
export function missingSentinelMessage(sha256: string): string {
  return (
    `the blob store does not hold this deployment's sentinel blob ${sha256}: ` +
    'it is not the store this deployment writes to (a volume mounted empty or elsewhere, another bucket or prefix?)'
  );
}

/**
 * The `blob_store` readiness check: the store can be written, and it holds the sentinel. `known`
 * is the sentinel when the caller has it; else it is read from the database once it is recorded.
 */
export function blobStoreCheck(
  blobs: BlobStore,
  deployment: DeploymentStore,
  known: string | null,
): HealthCheck {
  let sentinel = known;
  return {
    name: 'blob_store',
    async check(signal) {
      await blobs.check(signal);
      sentinel ??= await deployment.blobSentinel();
      if (sentinel !== null && (await blobs.size(sentinel)) === null)
        throw new Error(missingSentinelMessage(sentinel));
    },
  };
}
