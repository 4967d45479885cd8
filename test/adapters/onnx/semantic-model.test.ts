/**
 * The ONNX semantic model adapter against real, tiny ONNX exports generated into temp dirs
 * (test/fixtures/onnx-model.ts: a 2-layer, hidden-32 BERT-shaped network with seeded weights),
 * run by onnxruntime-node in the adapter's worker thread. Nothing is downloaded.
 */
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import {
  openSemanticModel,
  type OnnxSemanticModel,
} from '../../../src/adapters/onnx/semantic-model.js';
import {
  ModelUnavailable,
  type ModelUnavailableReason,
} from '../../../src/ports/semantic-model.js';
import { TINY_TEST_MODEL, writeTinyModel } from '../../fixtures/onnx-model.js';

const WORDS = ['the', 'search', 'document', 'rank', 'model', 'city', 'river', 'market', 'music'];
/** A deterministic document of `length` words (some unknown to the vocabulary). */
function documentOf(index: number, length: number): string {
  const words: string[] = [];
  for (let i = 0; i < length; i++) words.push(WORDS[(index * 7 + i * 3) % WORDS.length] ?? 'x');
  return `${words.join(' ')} item${index}`;
}

async function rejectsWith(promise: Promise<unknown>, reason: ModelUnavailableReason) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ModelUnavailable, `expected ModelUnavailable, got ${String(error)}`);
    assert.equal(error.reason, reason, error.message);
    return true;
  });
}

const never = () => new AbortController().signal;

let root: string;
let cross: OnnxSemanticModel;
let bi: OnnxSemanticModel;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'quire-onnx-'));
  await writeTinyModel(join(root, 'cross'), { kind: 'cross', ...TINY_TEST_MODEL });
  await writeTinyModel(join(root, 'bi'), { kind: 'bi', ...TINY_TEST_MODEL });
  [cross, bi] = await Promise.all([
    openSemanticModel({ dir: join(root, 'cross') }),
    openSemanticModel({ dir: join(root, 'bi') }),
  ]);
});

after(async () => {
  await Promise.all([cross?.close(), bi?.close()]);
  await rm(root, { recursive: true, force: true });
});

describe('onnx semantic model: loading', () => {
  it('detects a cross-encoder (logits) and a bi-encoder (last_hidden_state)', () => {
    assert.equal(cross.kind, 'cross');
    assert.equal(cross.name, 'cross');
    assert.equal(bi.kind, 'bi');
    assert.equal(cross.breakerState(), 'closed');
  });

  it('the generator is deterministic', async () => {
    const again = join(root, 'cross-again');
    await writeTinyModel(again, { kind: 'cross', ...TINY_TEST_MODEL });
    const model = await openSemanticModel({ dir: again });
    try {
      const documents = [documentOf(1, 20), documentOf(2, 5)];
      assert.deepEqual(
        await model.relevance('search', documents, never()),
        await cross.relevance('search', documents, never()),
      );
    } finally {
      await model.close();
    }
  });

  it('a missing directory or file is ModelUnavailable("missing")', async () => {
    await rejectsWith(openSemanticModel({ dir: join(root, 'nowhere') }), 'missing');
    const partial = join(root, 'partial');
    await mkdir(join(partial, 'onnx'), { recursive: true });
    await writeFile(join(partial, 'config.json'), '{}');
    await rejectsWith(openSemanticModel({ dir: partial }), 'missing'); // no tokenizer.json
    await writeFile(join(partial, 'tokenizer.json'), '{}');
    await rejectsWith(openSemanticModel({ dir: partial }), 'missing'); // no onnx/model.onnx
  });

  it('a corrupt model file is ModelUnavailable("failed")', async () => {
    const corrupt = join(root, 'corrupt');
    await writeTinyModel(corrupt, { kind: 'cross', ...TINY_TEST_MODEL });
    await writeFile(join(corrupt, 'onnx', 'model.onnx'), 'this is not a protobuf');
    await rejectsWith(openSemanticModel({ dir: corrupt }), 'failed');
  });
});

describe('onnx semantic model: scores', () => {
  it('cross-encoder: one finite, deterministic score per document, in order', async () => {
    const documents = ['search engines rank documents', 'the river flows', '', 'zzqx unknown'];
    const first = await cross.relevance('document search', documents, never());
    const second = await cross.relevance('document search', documents, never());
    assert.equal(first.length, documents.length);
    assert.ok(first.every(Number.isFinite));
    assert.deepEqual(first, second);
    const reversed = await cross.relevance('document search', [...documents].reverse(), never());
    assertClose(reversed, [...first].reverse());
    assert.deepEqual(await cross.relevance('q', [], never()), []);
  });

  it('more than 32 documents, of mixed lengths: batched, sorted, and back in order', async () => {
    const documents = Array.from({ length: 75 }, (_, i) => documentOf(i, 1 + ((i * 37) % 120)));
    for (const model of [cross, bi]) {
      const together = await model.relevance('search the market', documents, never());
      assert.equal(together.length, 75);
      const alone: number[] = [];
      for (const document of documents) {
        alone.push(...(await model.relevance('search the market', [document], never())));
      }
      assertClose(together, alone);
    }
  });

  it('long input is truncated to max_length instead of failing', async () => {
    const long = documentOf(3, 2000);
    const [score] = await cross.relevance(documentOf(4, 600), [long], never());
    assert.ok(Number.isFinite(score));
  });

  it('bi-encoder: cosine similarity, 1 for the same text; cross similarity is 0–1', async () => {
    const text = 'the city market by the river';
    const [same, other] = await bi.similarity(text, [text, 'music and film'], never());
    assert.ok(Math.abs((same ?? 0) - 1) < 1e-5, `cosine of a text with itself: ${same}`);
    assert.ok((other ?? 2) <= 1 + 1e-6 && (other ?? -2) >= -1 - 1e-6);
    const scores = await cross.similarity(text, [text, 'music'], never());
    assert.ok(scores.every((score) => score > 0 && score < 1));
  });
});

describe('onnx semantic model: deadline, breaker, event loop', () => {
  it('an aborted request is ModelUnavailable("deadline"), before or while it runs', async () => {
    const controller = new AbortController();
    controller.abort();
    await rejectsWith(cross.relevance('q', ['a'], controller.signal), 'deadline');
    const documents = Array.from({ length: 1000 }, (_, i) => documentOf(i, 200));
    const started = Date.now();
    await rejectsWith(cross.relevance('search', documents, AbortSignal.timeout(30)), 'deadline');
    assert.ok(Date.now() - started < 2000, 'the abort did not wait for the inference');
    // The cancelled task stopped at its next batch: the model still answers.
    const [score] = await cross.relevance('search', ['a document'], never());
    assert.ok(Number.isFinite(score));
  });

  it('an abort cancels the task between batches and never terminates its thread', async () => {
    // Terminating a thread inside onnxruntime-node aborts the process, so the adapter must never
    // ask piscina to. This worker stands in for inference: "batches" of 20 ms until its cancel
    // flag is set; it answers with its thread id and how many tasks it saw cancelled.
    const workerFile = join(root, 'batches-worker.mjs');
    await writeFile(
      workerFile,
      `import { threadId } from 'node:worker_threads';
let cancelled = 0;
export default async function task(input) {
  if (input.op === 'describe') return { kind: 'cross', inputNames: ['input_ids'], outputName: 'logits' };
  const batches = Number(input.query);
  for (let i = 0; i < batches; i++) {
    if (input.cancel !== undefined && Atomics.load(input.cancel, 0) !== 0) {
      cancelled++;
      return { scores: null, units: i, ms: i * 20 };
    }
    const end = Date.now() + 20;
    while (Date.now() < end);
  }
  return { scores: [threadId, cancelled], units: 0, ms: 0 };
}
`,
    );
    const model = await openSemanticModel({ dir: join(root, 'cross'), workerFile });
    try {
      const [thread] = await model.relevance('1', ['a', 'b'], never());
      const started = Date.now();
      await rejectsWith(model.relevance('100', ['a', 'b'], AbortSignal.timeout(60)), 'deadline');
      assert.ok(Date.now() - started < 1000, 'the abort waited for the task');
      // Queued behind the cancelled task, which stops at its next batch instead of running 2 s.
      const [sameThread, cancelled] = await model.relevance('1', ['a', 'b'], never());
      // Only the cancelled task reported work done (the batches it ran): enough to estimate from.
      assert.ok(model.estimate('1', ['a', 'b']) !== undefined, 'the cancelled task taught nothing');
      assert.equal(sameThread, thread, 'the thread was terminated and replaced');
      assert.equal(cancelled, 1);
      assert.ok(Date.now() - started < 1000, 'the cancelled task ran to its end');
    } finally {
      await model.close();
    }
  });

  it('under steady load, requests are served in the order they arrive', async () => {
    // piscina 5 without stricterFIFO re-queues a task it could not dispatch at the tail, so one
    // of several clients looping on one thread could wait until the others stop.
    const workerFile = join(root, 'order-worker.mjs');
    await writeFile(
      workerFile,
      `export default async function task(input) {
  if (input.op === 'describe') return { kind: 'cross', inputNames: ['input_ids'], outputName: 'logits' };
  const end = Date.now() + 5;
  while (Date.now() < end);
  return { scores: [Number(input.query)], units: 1, ms: 5 };
}
`,
    );
    const model = await openSemanticModel({ dir: join(root, 'cross'), workerFile });
    try {
      let submitted = 0;
      const served: number[] = [];
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (submitted < 80) {
            const [order] = await model.relevance(String(submitted++), ['a'], never());
            served.push(order ?? NaN);
          }
        }),
      );
      assert.deepEqual(
        served,
        [...served].sort((a, b) => a - b),
        'a request was served after later ones',
      );
    } finally {
      await model.close();
    }
  });

  it('estimates from what inference took, queued work included', async () => {
    const model = await openSemanticModel({ dir: join(root, 'cross') });
    try {
      const documents = Array.from({ length: 64 }, (_, i) => documentOf(i, 100));
      assert.equal(model.estimate('search', documents), undefined, 'nothing to go by yet');
      await model.relevance('search', documents, never());
      const idle = model.estimate('search', documents);
      assert.ok(idle !== undefined && idle.runMs > 0, JSON.stringify(idle));
      assert.equal(idle.waitMs, 0);
      const longer = model.estimate('search', [...documents, ...documents]);
      assert.ok(longer !== undefined && longer.runMs > idle.runMs * 1.5);
      // While a request runs, a new one would wait for it.
      const running = model.relevance('search', documents, never());
      const busy = model.estimate('search', documents);
      assert.ok(busy !== undefined && busy.waitMs > 0, JSON.stringify(busy));
      await running;
      assert.equal(model.estimate('search', documents)?.waitMs, 0);
    } finally {
      await model.close();
    }
  });

  it('a huge request is cancelled between batches, not after tokenising all of it', async () => {
    // Tokenising 1000 documents of 2000 distinct words takes over 10 s here. Batch by batch,
    // the first batches have run by the deadline, and the cancelled task reports them.
    const model = await openSemanticModel({ dir: join(root, 'cross') });
    try {
      // Distinct words, so the tokenizer's cache does not make it cheap.
      const many = Array.from({ length: 1000 }, (_, i) =>
        Array.from({ length: 2000 }, (_, w) => `w${((i * 2000 + w) * 7919).toString(36)}`).join(
          ' ',
        ),
      );
      await rejectsWith(model.relevance('search', many, AbortSignal.timeout(1000)), 'deadline');
      // Nothing else runs, so only the cancelled task can teach the estimate.
      for (let i = 0; i < 100 && model.estimate('q', ['a']) === undefined; i++) await sleep(20);
      assert.ok(model.estimate('q', ['a']) !== undefined, 'no batch ran before the deadline');
      const [score] = await model.relevance('search', ['a document'], never());
      assert.ok(Number.isFinite(score));
    } finally {
      await model.close();
    }
  });

  it('the breaker opens after 5 consecutive failures, then refuses without calling', async () => {
    const workerFile = join(root, 'failing-worker.mjs');
    await writeFile(
      workerFile,
      `let calls = 0;
export default async function task(input) {
  if (input.op === 'describe') return { kind: 'cross', inputNames: ['input_ids'], outputName: 'logits' };
  calls++;
  throw new Error('inference failed (' + calls + ')');
}
`,
    );
    const model = await openSemanticModel({
      dir: join(root, 'cross'),
      workerFile,
      halfOpenAfterMs: 200,
    });
    try {
      for (let i = 0; i < 5; i++) await rejectsWith(model.relevance('q', ['a'], never()), 'failed');
      assert.equal(model.breakerState(), 'open');
      await rejectsWith(model.relevance('q', ['a'], never()), 'open_circuit');
      await sleep(250);
      // After halfOpenAfter (cockatiel moves to half-open on the next call) the trial call reaches the model again; it fails, so the breaker opens again.
      await rejectsWith(model.relevance('q', ['a'], never()), 'failed');
      assert.equal(model.breakerState(), 'open');
    } finally {
      await model.close();
    }
  });

  it('the event loop stays free while the model runs', async () => {
    const documents = Array.from({ length: 300 }, (_, i) => documentOf(i, 200));
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    const started = Date.now();
    await Promise.all([
      cross.relevance('search the market', documents, never()),
      bi.relevance('search the market', documents, never()),
    ]);
    histogram.disable();
    const p99 = histogram.percentile(99) / 1e6;
    console.error(
      `# inference of 2×300 documents: ${Date.now() - started} ms; event-loop delay p99 ${p99.toFixed(1)} ms, max ${(histogram.max / 1e6).toFixed(1)} ms`,
    );
    assert.ok(p99 < 200, `event-loop delay p99 ${p99} ms`);
  });

  it('a closed model refuses', async () => {
    const model = await openSemanticModel({ dir: join(root, 'bi') });
    await model.close();
    await rejectsWith(model.relevance('q', ['a'], never()), 'missing');
  });
});

function assertClose(actual: number[], expected: number[], tolerance = 1e-4) {
  assert.equal(actual.length, expected.length);
  actual.forEach((value, i) => {
    const want = expected[i] ?? NaN;
    assert.ok(Math.abs(value - want) <= tolerance, `score ${i}: ${value} vs ${want}`);
  });
}

describe('onnx semantic model: embeddings', () => {
  it("a bi-encoder's embeddings are unit vectors whose dot products are its similarities", async () => {
    const texts = [documentOf(1, 12), documentOf(2, 40), documentOf(3, 5)];
    const vectors = await bi.embed(texts, never());
    assert.equal(vectors.length, 3);
    for (const vector of vectors) {
      assert.equal(vector.length, TINY_TEST_MODEL.hidden);
      assertClose([Math.hypot(...vector)], [1]);
    }
    const [source, ...targets] = vectors as [Float32Array, ...Float32Array[]];
    const dots = targets.map((target) =>
      target.reduce((sum, value, i) => sum + value * (source[i] ?? 0), 0),
    );
    assertClose(dots, await bi.similarity(texts[0] ?? '', texts.slice(1), never()));
    assert.deepEqual(await bi.embed([], never()), []);
  });

  it('a cross-encoder has none; an aborted or closed model refuses', async () => {
    await rejectsWith(cross.embed(['a'], never()), 'missing');
    const aborted = new AbortController();
    aborted.abort();
    await rejectsWith(bi.embed(['a'], aborted.signal), 'deadline');
    const model = await openSemanticModel({ dir: join(root, 'bi') });
    await model.close();
    await rejectsWith(model.embed(['a'], never()), 'missing');
  });
});
