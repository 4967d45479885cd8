/**
 * The worker-pool factory against a tiny worker entry (test/fixtures/pool-worker.ts): each
 * failure arrives as its kind (timeout, crash, out of memory, queue full, abort, closed), tasks
 * are served in the order they arrive, threads are recycled after N tasks, and a transferable
 * result arrives as the plain value; threads warm up as they start, minThreads start with the
 * pool, and threads beyond them exit when idle, the rest being replaced after an idle spell.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import {
  createWorkerPool,
  WorkerPoolFailure,
  type WorkerPool,
  type WorkerPoolFailureKind,
  type WorkerPoolOptions,
} from '../../../src/adapters/worker-pool/factory.js';
import type { WarmReport } from '../../../src/adapters/worker-pool/warm-report.js';
import type { PoolTask } from '../../fixtures/pool-worker.js';

const workerFile = fileURLToPath(new URL('../../fixtures/pool-worker.ts', import.meta.url));

type TestPool = WorkerPool<PoolTask, number | Float64Array>;
const pools: TestPool[] = [];
after(async () => {
  await Promise.all(pools.map((pool) => pool.destroy()));
});

function pool(options: Partial<WorkerPoolOptions> = {}): TestPool {
  const created: TestPool = createWorkerPool({ workerFile, maxThreads: 1, ...options });
  pools.push(created);
  return created;
}

async function failsWith(
  promise: Promise<unknown>,
  kind: WorkerPoolFailureKind,
): Promise<WorkerPoolFailure> {
  let failure: WorkerPoolFailure | undefined;
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof WorkerPoolFailure, `expected a WorkerPoolFailure, got ${error}`);
    assert.equal(error.kind, kind, error.message);
    failure = error;
    return true;
  });
  return failure as WorkerPoolFailure;
}

const thread = (p: TestPool): Promise<number | Float64Array> => p.run({ op: 'thread' });

describe('worker-pool factory: results', () => {
  it('runs a task on a thread and moves a transferable result to the caller', async () => {
    const p = pool();
    assert.equal(typeof (await thread(p)), 'number');
    const scores = await p.run({ op: 'scores', n: 4 });
    assert.ok(scores instanceof Float64Array);
    assert.deepEqual(Array.from(scores), [0, 0.5, 1, 1.5]);
  });
});

describe('worker-pool factory: failures', { timeout: 60_000 }, () => {
  it('a task past its timeout fails `timeout`; its thread is replaced', async () => {
    // Long enough for a cold thread to start (tsx compiles the fixture) inside the deadline.
    const p = pool({ taskTimeoutMs: 2000 });
    const before = await thread(p);
    const started = Date.now();
    await failsWith(p.run({ op: 'hang' }), 'timeout');
    assert.ok(Date.now() - started < 6000, 'the timeout did not stop the task');
    assert.notEqual(await thread(p), before, 'the hung thread was kept');
  });

  it('a task that throws, or whose thread exits, fails `crashed`; the next one runs', async () => {
    const p = pool();
    const thrown = await failsWith(p.run({ op: 'throw' }), 'crashed');
    assert.match(thrown.message, /injected task bug/);
    const exited = await failsWith(p.run({ op: 'exit' }), 'crashed');
    assert.match(exited.message, /exited/);
    assert.equal(typeof (await thread(p)), 'number');
  });

  it('a thread past its heap cap fails `out-of-memory`; the next one runs', async () => {
    const p = pool({ heap: { oldGenerationMb: 32, youngGenerationMb: 4 } });
    await failsWith(p.run({ op: 'oom' }), 'out-of-memory');
    assert.equal(typeof (await thread(p)), 'number');
  });

  it('past maxQueue waiting tasks, a task fails `queue-full` at once, deadline or not', async () => {
    // A deadline matters: piscina does not count tasks with an abort signal against its queue.
    for (const options of [{ maxQueue: 1 }, { maxQueue: 1, taskTimeoutMs: 10_000 }]) {
      const p = pool(options);
      await thread(p); // the thread is up
      const running = p.run({ op: 'sleep', ms: 400 });
      const queued = p.run({ op: 'sleep', ms: 10 });
      const started = Date.now();
      await failsWith(p.run({ op: 'sleep', ms: 10 }), 'queue-full');
      assert.ok(Date.now() - started < 300, 'the refusal waited for the queue');
      await Promise.all([running, queued]);
      assert.equal(typeof (await thread(p)), 'number', 'the bound outlived its tasks');
    }
  });

  it('an abort fails `aborted` with its reason: running (thread stopped), queued or before', async () => {
    const p = pool();
    const before = await thread(p);
    const controller = new AbortController();
    const running = p.run({ op: 'hang' }, { signal: controller.signal });
    const queuedController = new AbortController();
    const queued = p.run({ op: 'thread' }, { signal: queuedController.signal });
    setTimeout(() => {
      queuedController.abort(new Error('queued reason'));
      controller.abort(new Error('running reason'));
    }, 200);
    const stopped = await failsWith(running, 'aborted');
    assert.equal((stopped.cause as Error).message, 'running reason');
    const dropped = await failsWith(queued, 'aborted');
    assert.equal((dropped.cause as Error).message, 'queued reason');
    assert.notEqual(await thread(p), before, 'the aborted thread was kept');
    await failsWith(p.run({ op: 'thread' }, { signal: AbortSignal.abort('early') }), 'aborted');
  });

  it('after close, or when destroyed under a task, a task fails `closed`', async () => {
    const closing = pool();
    await thread(closing);
    await closing.close();
    await failsWith(thread(closing), 'closed');

    const destroyed = pool();
    await thread(destroyed);
    const running = failsWith(destroyed.run({ op: 'sleep', ms: 5000 }), 'closed');
    const queued = failsWith(thread(destroyed), 'closed');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await destroyed.destroy();
    await Promise.all([running, queued]);
  });
});

/** Four clients loop 80 tasks through the pool; each task must be served in submission order. */
async function assertServedInArrivalOrder(p: TestPool): Promise<void> {
  let submitted = 0;
  const served: number[] = [];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (submitted < 80) {
        served.push(Number(await p.run({ op: 'busy', ms: 5, tag: submitted++ })));
      }
    }),
  );
  assert.equal(served.length, 80);
  assert.deepEqual(
    served,
    [...served].sort((a, b) => a - b),
    'a task was served after later ones',
  );
}

describe('worker-pool factory: scheduling', { timeout: 60_000 }, () => {
  it('under steady load on one thread, tasks are served in the order they arrive', async () => {
    // Without stricterFIFO, piscina 5 re-queues a task it could not dispatch at the tail, so one
    // of several clients looping on one thread could wait until the others stop.
    await assertServedInArrivalOrder(pool());
  });

  it('serves tasks in arrival order when they carry a deadline (an abort signal)', async () => {
    // A task with an abort signal (every task has one once taskTimeoutMs is set) that finds every
    // thread busy goes to piscina's skip queue, at its head under stricterFIFO: newest first.
    await assertServedInArrivalOrder(pool({ taskTimeoutMs: 10_000 }));
  });

  it('recycles its threads after N tasks per thread, finishing running tasks first', async () => {
    const p = pool({ recycleAfterTasks: 2 });
    const threads: unknown[] = [];
    for (let i = 0; i < 5; i++) threads.push(await thread(p));
    const [a, a2, b, b2, c] = threads;
    assert.equal(a, a2);
    assert.equal(b, b2);
    assert.equal(new Set([a, b, c]).size, 3, `threads: ${threads.join(', ')}`);

    // Tasks running or queued when their pool is swapped out finish there.
    const recycling = pool({ recycleAfterTasks: 1 });
    const slow = recycling.run({ op: 'sleep', ms: 300 });
    const next = await thread(recycling);
    assert.notEqual(await slow, next);
  });
});

/** Resolves with the next warm report of a thread other than `except`. */
function nextWarmThread(reports: WarmReport[], except: Set<number>): Promise<WarmReport> {
  return new Promise((resolve) => {
    const check = setInterval(() => {
      const found = reports.find((report) => !except.has(report.threadId));
      if (found === undefined) return;
      clearInterval(check);
      resolve(found);
    }, 20);
  });
}

/** Resolves once `condition` holds, checked every 20 ms (the test's timeout bounds the wait). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('worker-pool factory: warm threads and memory', { timeout: 60_000 }, () => {
  it('starts minThreads threads with the pool, each warmed up before any task', async () => {
    const reports: WarmReport[] = [];
    const p = pool({
      minThreads: 2,
      maxThreads: 2,
      onThreadWarm: (report) => reports.push(report),
    });
    // No task has been run: the threads started with the pool and ran the entry's warmUp.
    await until(() => p.threads().warm === 2);
    assert.deepEqual(p.threads(), { threads: 2, warm: 2 });
    assert.equal(new Set(reports.map((report) => report.threadId)).size, 2);
    assert.ok(reports.every((report) => report.error === undefined));
    const warmed = await Promise.all([p.run({ op: 'warmed' }), p.run({ op: 'warmed' })]);
    assert.deepEqual(warmed, [1, 1]);
  });

  it('hands warmUpData to each thread’s warmUp', async () => {
    const p = pool({ minThreads: 1, maxThreads: 1, warmUpData: { pdfEngine: 'pdfium' } });
    assert.deepEqual(await p.run({ op: 'warm-up-data' }), { pdfEngine: 'pdfium' });
    const without = pool({ maxThreads: 1 });
    assert.equal(await without.run({ op: 'warm-up-data' }), undefined);
  });

  it('a pool without minThreads starts no thread until a task comes; that thread warms first', async () => {
    const p = pool({ maxThreads: 2 });
    assert.deepEqual(p.threads(), { threads: 0, warm: 0 });
    assert.equal(await p.run({ op: 'warmed' }), 1);
  });

  it('threads beyond minThreads exit once idle for idleTimeoutMs; minThreads stay', async () => {
    // Idle long enough that all three are still there when the tasks' answers are in, on a
    // loaded machine too.
    const p = pool({ minThreads: 1, maxThreads: 3, idleTimeoutMs: 5_000 });
    // Three tasks that finish only once all three are running: three threads.
    const counter = new Int32Array(new SharedArrayBuffer(4));
    const ran = await Promise.all([0, 1, 2].map(() => p.run({ op: 'gather', n: 3, counter })));
    assert.equal(new Set(ran).size, 3);
    assert.equal(p.threads().threads, 3);
    await until(() => p.threads().threads === 1);
    assert.deepEqual(p.threads(), { threads: 1, warm: 1 });
  });

  it('after recycleIdleMs without tasks, the threads that ran tasks are replaced by fresh warm ones', async () => {
    const reports: WarmReport[] = [];
    const p = pool({
      minThreads: 1,
      recycleIdleMs: 200,
      onThreadWarm: (report) => reports.push(report),
    });
    const first = await thread(p);
    assert.equal(typeof first, 'number');
    const fresh = await nextWarmThread(reports, new Set([first as number]));
    await until(() => p.threads().threads === 1);
    assert.deepEqual(p.threads(), { threads: 1, warm: 1 });
    assert.equal(await thread(p), fresh.threadId, 'the next task ran on the fresh thread');
  });

  it('an uncounted task (a warm-up) brings on no recycling, once idle or after recycleAfterTasks', async () => {
    const reports: WarmReport[] = [];
    const p = pool({
      minThreads: 1,
      recycleIdleMs: 100,
      recycleAfterTasks: 1,
      onThreadWarm: (report) => reports.push(report),
    });
    const first = await p.run({ op: 'thread' }, { uncounted: true });
    const again = await p.run({ op: 'thread' }, { uncounted: true });
    assert.equal(again, first, 'the same thread: not recycled after a task');
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(reports.length, 1, 'no fresh thread was warmed once idle');
    assert.equal(await thread(p), first, 'a counted task still runs on the first thread');
    // Counted, it is recycled as before.
    const fresh = await nextWarmThread(reports, new Set([first as number]));
    assert.notEqual(fresh.threadId, first);
  });
});
