/**
 * Writes a generated Hugging Face–style ONNX export (random, seeded weights: only its shape is
 * real) for tests and benchmarks, so nothing is ever downloaded. The network and tokenizer come
 * from test/fixtures/onnx-model.ts.
 *
 *   tsx scripts/make-onnx-model.ts <dir> [--kind cross|bi] [--size tiny|tinybert-l2|minilm-l6]
 *     [--layers N] [--hidden N] [--heads N] [--intermediate N] [--vocab N] [--seed N]
 */
import { parseArgs } from 'node:util';
import {
  MINILM_L6_SIZE,
  TINYBERT_L2_SIZE,
  TINY_TEST_MODEL,
  writeTinyModel,
  type TinyModelOptions,
} from '../test/fixtures/onnx-model.js';

const SIZES = {
  tiny: TINY_TEST_MODEL,
  'tinybert-l2': TINYBERT_L2_SIZE,
  'minilm-l6': MINILM_L6_SIZE,
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    kind: { type: 'string', default: 'cross' },
    size: { type: 'string', default: 'tiny' },
    layers: { type: 'string' },
    hidden: { type: 'string' },
    heads: { type: 'string' },
    intermediate: { type: 'string' },
    vocab: { type: 'string' },
    seed: { type: 'string' },
  },
});

const dir = positionals[0];
const size = SIZES[values.size as keyof typeof SIZES];
if (dir === undefined || size === undefined || (values.kind !== 'cross' && values.kind !== 'bi')) {
  console.error(
    'usage: tsx scripts/make-onnx-model.ts <dir> [--kind cross|bi] [--size tiny|tinybert-l2|minilm-l6] [--layers N] [--hidden N] [--heads N] [--intermediate N] [--vocab N] [--seed N]',
  );
  process.exit(2);
}
const number = (raw: string | undefined, fallback: number) =>
  raw === undefined ? fallback : Number(raw);
const options: TinyModelOptions = {
  kind: values.kind,
  layers: number(values.layers, size.layers),
  hidden: number(values.hidden, size.hidden),
  heads: number(values.heads, size.heads),
  intermediate: number(values.intermediate, size.intermediate),
  vocab: number(values.vocab, size.vocab),
  seed: number(values.seed, size.seed),
};
const started = Date.now();
await writeTinyModel(dir, options);
console.log(`wrote ${JSON.stringify(options)} to ${dir} in ${Date.now() - started} ms`);
