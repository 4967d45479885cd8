/**
 * s3rver (the npm package's S3-protocol server) in a child process on loopback, for benchmarks
 * that put bytes to S3: one bucket made at start, data in the directory given. Path-style
 * addressing and s3rver's fixed credentials.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { ROOT } from './report.js';

export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

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
  const script = join(ROOT, 'node_modules', 's3rver', 'bin', 's3rver.js');
  const child = spawn(
    process.execPath,
    [script, '-d', dir, '-a', '127.0.0.1', '-p', String(port), '-s', '--configure-bucket', bucket],
    { stdio: 'ignore' },
  );
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`s3rver exited at start (${child.exitCode})`);
    try {
      await fetch(endpoint, { signal: AbortSignal.timeout(1000) });
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`s3rver did not answer on ${endpoint}`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    endpoint,
    bucket,
    child,
    quireEnv: {
      QUIRE_BLOB_STORE: 's3',
      QUIRE_S3_BUCKET: bucket,
      QUIRE_S3_PREFIX: 'bench/',
      QUIRE_S3_ENDPOINT: endpoint,
      QUIRE_S3_FORCE_PATH_STYLE: 'on',
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    },
    client: () =>
      new S3Client({
        endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: S3RVER_CREDENTIALS,
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      }),
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
