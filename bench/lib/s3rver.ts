/**
 * s3rver for benchmarks that put bytes to S3 (see scripts/lib/s3rver.ts): started on `port` with
 * its data in `dir`, stopped with a kill when the benchmark is done; Quire writes under `bench/`.
 */
import type { ChildProcess } from 'node:child_process';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  s3rverClient,
  s3rverEndpoint,
  s3rverQuireEnv,
  spawnS3rver,
} from '../../scripts/lib/s3rver.js';

export interface S3rver {
  endpoint: string;
  bucket: string;
  child: ChildProcess;
  /** The settings that point a Quire process at it (prefix `bench/`). */
  quireEnv: Record<string, string>;
  client(): S3Client;
  stop(): void;
}

export async function startS3rver(port: number, dir: string, bucket: string): Promise<S3rver> {
  const child = await spawnS3rver(port, dir, bucket);
  const endpoint = s3rverEndpoint(port);
  return {
    endpoint,
    bucket,
    child,
    quireEnv: s3rverQuireEnv(endpoint, bucket, 'bench/'),
    client: () => s3rverClient(endpoint),
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
