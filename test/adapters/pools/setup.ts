/**
 * Shared by the pool adapter tests: the factory's fault fixture (test/fixtures/pool-worker.ts) in
 * place of the real worker entry, pools closed after the file's last test, and the check of the
 * AppError an adapter makes of a failure.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';
import { AppError } from '../../../src/errors.js';
import type { PoolTask } from '../../fixtures/pool-worker.js';

export const workerFile = fileURLToPath(new URL('../../fixtures/pool-worker.ts', import.meta.url));

/** Pools to close after the file's last test. */
export const closing: { close(): Promise<void> }[] = [];
after(async () => {
  await Promise.all(closing.map((pool) => pool.close()));
});

/** A fixture task in the shape an adapter's port takes (the fixture reads only `op`). */
export const as = <T>(task: PoolTask): T => task as unknown as T;

/** Asserts the AppError an adapter rejects with: its code, detail and Retry-After. */
export async function answers(
  promise: Promise<unknown>,
  code: string,
  detail: RegExp,
  retryAfterSeconds?: number,
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof AppError, `expected an AppError, got ${error}`);
    assert.equal(error.code, code);
    assert.match(error.detail, detail);
    assert.equal(error.retryAfterSeconds, retryAfterSeconds);
    return true;
  });
}
