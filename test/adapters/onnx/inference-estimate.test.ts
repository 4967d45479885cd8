/** The semantic model's inference estimate: units of work, the moving average, queued work. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  InferenceEstimator,
  sequenceUnits,
} from '../../../src/adapters/onnx/inference-estimate.js';

describe('inference estimate', () => {
  it('counts a cross-encoder pair per document and a bi-encoder text per text, capped by max_length', () => {
    // max_length 8 tokens hold about 32 characters; every sequence costs 16 more.
    assert.deepEqual(sequenceUnits('cross', 'abcd', ['x'.repeat(10), 'y'.repeat(100)], 8), [
      14 + 16,
      32 + 16,
    ]);
    assert.deepEqual(sequenceUnits('bi', 'abcd', ['x'.repeat(10), 'y'.repeat(100)], 8), [
      4 + 16,
      10 + 16,
      32 + 16,
    ]);
  });

  it('has nothing to say before a first observation, then scales with the work', () => {
    const estimator = new InferenceEstimator('cross', 256, 1);
    assert.equal(estimator.estimate('q', ['a']), undefined);
    estimator.observe(0, 50); // a task cancelled before its first batch teaches nothing
    assert.equal(estimator.estimate('q', ['a']), undefined);
    const units = estimator.units('q', ['a', 'b']);
    estimator.observe(units, 100);
    assert.deepEqual(estimator.estimate('q', ['a', 'b']), { waitMs: 0, runMs: 100 });
    assert.equal(estimator.estimate('q', ['a', 'b', 'a', 'b'])?.runMs, 200);
  });

  it('averages new observations in, weighting the newest by 0.3', () => {
    const estimator = new InferenceEstimator('cross', 256, 1);
    const units = estimator.units('q', ['a']);
    estimator.observe(units, 100);
    estimator.observe(units, 200);
    assert.ok(Math.abs((estimator.estimate('q', ['a'])?.runMs ?? 0) - 130) < 1e-9);
  });

  it('counts queued and running work as wait, shared by the threads, until it settles', () => {
    const estimator = new InferenceEstimator('cross', 256, 2);
    const units = estimator.units('q', ['a']);
    estimator.observe(units, 100);
    estimator.submitted(units);
    estimator.submitted(units);
    assert.deepEqual(estimator.estimate('q', ['a']), { waitMs: 100, runMs: 100 });
    estimator.settled(units);
    estimator.settled(units);
    estimator.settled(units); // never below zero
    assert.equal(estimator.estimate('q', ['a'])?.waitMs, 0);
  });
});
