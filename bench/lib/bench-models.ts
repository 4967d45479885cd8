/**
 * The generated semantic models the benchmarks load: BERT-shaped cross-encoders of TinyBERT-L2 and
 * MiniLM-L6 size with random seeded weights (latency depends on shape, not on what the weights
 * learned). Written once under os.tmpdir()/quire-bench-models/ and reused by later runs.
 */
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MINILM_L6_SIZE,
  TINYBERT_L2_SIZE,
  writeTinyModel,
  type TinyModelOptions,
} from '../../test/fixtures/onnx-model.js';

export const BENCH_MODELS = {
  'tinybert-l2-cross': { kind: 'cross', ...TINYBERT_L2_SIZE },
  'minilm-l6-cross': { kind: 'cross', ...MINILM_L6_SIZE },
} satisfies Record<string, TinyModelOptions>;

export type BenchModelName = keyof typeof BENCH_MODELS;

/** The model's directory, generated first if a previous run has not left it. */
export async function ensureBenchModel(name: BenchModelName): Promise<string> {
  const dir = join(tmpdir(), 'quire-bench-models', name);
  if (existsSync(join(dir, 'onnx', 'model.onnx'))) return dir;
  // Written aside and renamed, so a run cut off mid-write leaves no half model to be reused.
  const partial = `${dir}.partial-${process.pid}`;
  await writeTinyModel(partial, BENCH_MODELS[name]);
  await rm(dir, { recursive: true, force: true });
  await rename(partial, dir);
  return dir;
}
