/**
 * What a deployment records about itself at its first start: the sentinel blob that tells its
 * blob store from any other (a mis-mounted volume, a wrong bucket).
 */
export interface DeploymentStore {
  /** The sentinel blob's SHA-256, or null before a first start recorded one. */
  blobSentinel(): Promise<string | null>;
  /**
   * Records `sha256` as the sentinel unless one is recorded already, and answers the one that
   * stands (the first writer's, when starts race). The recorded sentinel holds a blob reference,
   * so no document delete ever frees its blob.
   */
  recordBlobSentinel(sha256: string, at: string): Promise<string>;
}
