/**
 * The semantic model's worker thread (piscina). onnxruntime-node's `session.run()` blocks the
 * thread it runs on for the whole inference (microsoft/onnxruntime#19611), and tokenising a
 * thousand documents is CPU work too, so both happen here, never on the API's event loop. Each
 * thread loads the tokenizer and the ONNX session once (per model directory) and keeps them.
 *
 * A task is one whole request: the texts are sorted by length, cut into batches of at most
 * `batchSize`, and each batch is tokenised just before it runs, padded to its longest sequence
 * (not to max_length); the scores are put back in the caller's order. A cancel flag is checked
 * before every batch.
 */
import { readFile } from 'node:fs/promises';
import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';
import { sequenceUnits } from './inference-estimate.js';

export interface ModelFiles {
  dir: string;
  modelFile: string;
  maxLength: number;
  batchSize: number;
  intraOpThreads: number;
}

export type SemanticKind = 'cross' | 'bi';

export interface ModelDescription {
  kind: SemanticKind;
  inputNames: string[];
  outputName: string;
}

export type WorkerTask =
  | { op: 'describe'; model: ModelFiles }
  | {
      op: 'relevance';
      model: ModelFiles;
      query: string;
      documents: string[];
      /**
       * One Int32 over a SharedArrayBuffer that the caller sets to 1 when it gives up: the task
       * stops before its next batch. The caller never has piscina terminate this thread:
       * terminating it while onnxruntime-node runs aborts the whole process ("terminate called
       * after throwing an instance of 'Napi::Error'"), reproduced with a TinyBERT-sized model.
       */
      cancel?: Int32Array;
    }
  | {
      /** A bi-encoder's embeddings of `texts` (search's query and passages). */
      op: 'embed';
      model: ModelFiles;
      texts: string[];
      cancel?: Int32Array;
    };

/**
 * A relevance task's answer: scores in document order, or null when it was cancelled; and the
 * work done (inference-estimate.ts units) with the time it took, which teach the adapter's
 * estimate even when the task was cut short.
 */
export interface RelevanceResult {
  scores: number[] | null;
  units: number;
  ms: number;
}

/**
 * An embed task's answer: the vectors one after another (`dimensions` floats each, in text
 * order), or null when it was cancelled; units and time as for relevance.
 */
export interface EmbedResult {
  vectors: Float32Array | null;
  dimensions: number;
  units: number;
  ms: number;
}

export type WorkerResult = ModelDescription | RelevanceResult | EmbedResult;

interface Encoded {
  ids: number[];
  typeIds: number[];
}

interface LoadedModel extends ModelDescription {
  session: ort.InferenceSession;
  tokenizer: Tokenizer;
  vocab: Map<string, number>;
  unknownId: number;
  padId: number;
  /** For a cross-encoder: how to turn one row of the output into a score. */
  columns: number;
}

const loaded = new Map<string, Promise<LoadedModel>>();

function load(files: ModelFiles): Promise<LoadedModel> {
  const key = `${files.dir}\0${files.modelFile}`;
  let model = loaded.get(key);
  if (model === undefined) {
    model = loadModel(files);
    loaded.set(key, model);
    // A failed load is not cached: the next task tries again.
    model.catch(() => loaded.delete(key));
  }
  return model;
}

async function readJson(path: string): Promise<object> {
  return JSON.parse(await readFile(path, 'utf8')) as object;
}

async function loadModel(files: ModelFiles): Promise<LoadedModel> {
  const tokenizerJson = await readJson(`${files.dir}/tokenizer.json`);
  const tokenizerConfig = await readJson(`${files.dir}/tokenizer_config.json`).catch(() => ({}));
  const tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
  const vocab = tokenizer.get_vocab(true);
  const unknownId = vocab.get('[UNK]') ?? vocab.get('<unk>') ?? 0;
  const padId = vocab.get('[PAD]') ?? vocab.get('<pad>') ?? 0;
  const session = await ort.InferenceSession.create(files.modelFile, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: files.intraOpThreads,
    interOpNumThreads: 1,
  });
  const inputNames = [...session.inputNames];
  for (const required of ['input_ids', 'attention_mask']) {
    if (!inputNames.includes(required)) throw new Error(`the model has no "${required}" input`);
  }
  const outputs = [...session.outputNames];
  const model: LoadedModel = {
    kind: 'bi',
    inputNames,
    outputName: '',
    session,
    tokenizer,
    vocab,
    unknownId,
    padId,
    columns: 1,
  };
  if (outputs.includes('sentence_embedding')) {
    model.outputName = 'sentence_embedding';
  } else if (outputs.includes('last_hidden_state')) {
    model.outputName = 'last_hidden_state';
  } else {
    // Anything else (`logits`, `scores`…) is judged by its shape on a probe run.
    model.outputName = outputs.includes('logits') ? 'logits' : (outputs[0] ?? '');
    const probe = await run(
      model,
      [encodePair(model, 'probe', 'probe', files.maxLength)],
      model.outputName,
    );
    if (probe.dims.length === 2 && (probe.dims[1] === 1 || probe.dims[1] === 2)) {
      model.kind = 'cross';
      model.columns = Number(probe.dims[1]);
    } else if (probe.dims.length === 3) {
      model.kind = 'bi';
    } else {
      throw new Error(
        `cannot tell the model's kind from output "${model.outputName}" [${probe.dims.join(', ')}]`,
      );
    }
  }
  return model;
}

function toIds(model: LoadedModel, tokens: string[]): number[] {
  return tokens.map((token) => model.vocab.get(token) ?? model.unknownId);
}

/** Special tokens the post-processor adds around a single text or a pair. */
function specialCount(model: LoadedModel, pair: boolean): number {
  const plain = model.tokenizer.tokenize('a', { add_special_tokens: false }).length;
  const full = model.tokenizer.tokenize('a', {
    text_pair: pair ? 'a' : null,
    add_special_tokens: true,
  }).length;
  return full - plain * (pair ? 2 : 1);
}

const specials = new WeakMap<LoadedModel, { single: number; pair: number }>();
function specialCounts(model: LoadedModel): { single: number; pair: number } {
  let counts = specials.get(model);
  if (counts === undefined) {
    counts = { single: specialCount(model, false), pair: specialCount(model, true) };
    specials.set(model, counts);
  }
  return counts;
}

/** Adds the special tokens ([CLS] A [SEP] B [SEP] for BERT) to already-truncated pieces. */
function finish(model: LoadedModel, a: string[], b: string[] | null): Encoded {
  const processor = model.tokenizer.post_processor;
  if (processor === null) {
    const tokens = b === null ? a : [...a, ...b];
    return { ids: toIds(model, tokens), typeIds: tokens.map((_, i) => (i < a.length ? 0 : 1)) };
  }
  const processed = processor.post_process(a, b, true);
  const tokens = processed.tokens;
  return {
    ids: toIds(model, tokens),
    typeIds: processed.token_type_ids ?? tokens.map(() => 0),
  };
}

function encodeSingle(model: LoadedModel, text: string, maxLength: number): Encoded {
  const budget = Math.max(1, maxLength - specialCounts(model).single);
  const tokens = model.tokenizer.tokenize(text, { add_special_tokens: false }).slice(0, budget);
  return finish(model, tokens, null);
}

/** The pair truncated "longest first", like Hugging Face's default truncation strategy. */
function encodePair(
  model: LoadedModel,
  query: string,
  document: string,
  maxLength: number,
): Encoded {
  let a = model.tokenizer.tokenize(query, { add_special_tokens: false });
  let b = model.tokenizer.tokenize(document, { add_special_tokens: false });
  const budget = Math.max(2, maxLength - specialCounts(model).pair);
  if (a.length + b.length > budget) {
    let keepA = a.length;
    let keepB = b.length;
    while (keepA + keepB > budget) {
      if (keepA > keepB) keepA--;
      else keepB--;
    }
    a = a.slice(0, keepA);
    b = b.slice(0, keepB);
  }
  return finish(model, a, b);
}

async function run(model: LoadedModel, batch: Encoded[], outputName: string): Promise<ort.Tensor> {
  const rows = batch.length;
  const width = Math.max(1, ...batch.map((item) => item.ids.length));
  const ids = new BigInt64Array(rows * width).fill(BigInt(model.padId));
  const mask = new BigInt64Array(rows * width);
  const types = new BigInt64Array(rows * width);
  batch.forEach((item, row) => {
    for (let i = 0; i < item.ids.length; i++) {
      ids[row * width + i] = BigInt(item.ids[i] ?? model.padId);
      mask[row * width + i] = 1n;
      types[row * width + i] = BigInt(item.typeIds[i] ?? 0);
    }
  });
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', ids, [rows, width]),
    attention_mask: new ort.Tensor('int64', mask, [rows, width]),
  };
  if (model.inputNames.includes('token_type_ids')) {
    feeds.token_type_ids = new ort.Tensor('int64', types, [rows, width]);
  }
  const outputs = await model.session.run(feeds, [outputName]);
  const output = outputs[outputName];
  if (output === undefined) throw new Error(`the model returned no "${outputName}"`);
  return output;
}

function floats(tensor: ort.Tensor): Float32Array {
  if (tensor.type !== 'float32') throw new Error(`expected a float32 output, got ${tensor.type}`);
  return tensor.data as Float32Array;
}

/**
 * Runs sequences `0..units.length-1` in batches sorted by length (their units: characters,
 * capped where max_length cuts), tokenising each batch just before it runs, so a cancel is seen
 * between batches even while a huge request would still be tokenising. `collect(tensor, row,
 * index, item)` receives each row. Returns the units of the sequences it ran.
 */
async function inBatches(
  model: LoadedModel,
  units: number[],
  batchSize: number,
  encode: (index: number) => Encoded,
  collect: (tensor: ort.Tensor, row: number, index: number, item: Encoded) => void,
  cancelled: () => boolean,
): Promise<{ completed: boolean; unitsDone: number }> {
  const order = units.map((_, index) => index).sort((x, y) => (units[x] ?? 0) - (units[y] ?? 0));
  let unitsDone = 0;
  for (let start = 0; start < order.length; start += batchSize) {
    if (cancelled()) return { completed: false, unitsDone };
    const indexes = order.slice(start, start + batchSize);
    const items = indexes.map(encode);
    const tensor = await run(model, items, model.outputName);
    indexes.forEach((index, row) => {
      collect(tensor, row, index, items[row] as Encoded);
      unitsDone += units[index] ?? 0;
    });
  }
  return { completed: true, unitsDone };
}

/** A cross-encoder's score: the logit, or for two classes the log-odds of the last one. */
function crossScore(model: LoadedModel, tensor: ort.Tensor, row: number): number {
  const data = floats(tensor);
  if (model.columns === 2) return (data[row * 2 + 1] ?? NaN) - (data[row * 2] ?? NaN);
  return data[row] ?? NaN;
}

/** A bi-encoder's embedding of one row: mean over attended tokens (or the pooled vector), L2-normalised. */
function embedding(tensor: ort.Tensor, row: number, item: Encoded): Float32Array {
  const data = floats(tensor);
  let vector: Float32Array;
  if (tensor.dims.length === 3) {
    const width = Number(tensor.dims[1]);
    const hidden = Number(tensor.dims[2]);
    vector = new Float32Array(hidden);
    const tokens = Math.min(item.ids.length, width);
    for (let t = 0; t < tokens; t++) {
      const offset = (row * width + t) * hidden;
      for (let h = 0; h < hidden; h++) vector[h] = (vector[h] ?? 0) + (data[offset + h] ?? 0);
    }
    for (let h = 0; h < hidden; h++) vector[h] = (vector[h] ?? 0) / Math.max(1, tokens);
  } else {
    const hidden = Number(tensor.dims[1]);
    vector = data.slice(row * hidden, (row + 1) * hidden);
  }
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm) || 1;
  return vector.map((value) => value / norm);
}

async function relevance(
  files: ModelFiles,
  query: string,
  documents: string[],
  cancel: Int32Array | undefined,
): Promise<RelevanceResult> {
  const cancelled = (): boolean => cancel !== undefined && Atomics.load(cancel, 0) !== 0;
  if (cancelled()) return { scores: null, units: 0, ms: 0 };
  const model = await load(files);
  // Timed after loading: the estimate is of inference, not of a first load.
  const started = performance.now();
  const units = sequenceUnits(model.kind, query, documents, files.maxLength);
  const scores = new Array<number>(documents.length).fill(NaN);
  if (model.kind === 'cross') {
    const { completed, unitsDone } = await inBatches(
      model,
      units,
      files.batchSize,
      (index) => encodePair(model, query, documents[index] ?? '', files.maxLength),
      (tensor, row, index) => {
        scores[index] = crossScore(model, tensor, row);
      },
      cancelled,
    );
    return { scores: completed ? scores : null, units: unitsDone, ms: performance.now() - started };
  }
  const { vectors, completed, unitsDone } = await embedEach(
    model,
    files,
    [query, ...documents],
    units,
    cancelled,
  );
  const ms = performance.now() - started;
  if (!completed) return { scores: null, units: unitsDone, ms };
  const source = vectors[0] as Float32Array;
  for (let d = 0; d < documents.length; d++) {
    const target = vectors[d + 1] as Float32Array;
    let dot = 0;
    for (let h = 0; h < source.length; h++) dot += (source[h] ?? 0) * (target[h] ?? 0);
    scores[d] = dot;
  }
  return { scores, units: unitsDone, ms };
}

/** Each text's embedding by a bi-encoder (`units`: each text's cost), shortest batches first. */
async function embedEach(
  model: LoadedModel,
  files: ModelFiles,
  texts: string[],
  units: number[],
  cancelled: () => boolean,
): Promise<{ vectors: Float32Array[]; completed: boolean; unitsDone: number }> {
  const vectors = new Array<Float32Array>(texts.length);
  const { completed, unitsDone } = await inBatches(
    model,
    units,
    files.batchSize,
    (index) => encodeSingle(model, texts[index] ?? '', files.maxLength),
    (tensor, row, index, item) => {
      vectors[index] = embedding(tensor, row, item);
    },
    cancelled,
  );
  return { vectors, completed, unitsDone };
}

async function embed(
  files: ModelFiles,
  texts: string[],
  cancel: Int32Array | undefined,
): Promise<EmbedResult> {
  const cancelled = (): boolean => cancel !== undefined && Atomics.load(cancel, 0) !== 0;
  if (cancelled()) return { vectors: null, dimensions: 0, units: 0, ms: 0 };
  const model = await load(files);
  if (model.kind !== 'bi') throw new Error('a cross-encoder has no embeddings');
  const started = performance.now();
  // The bi-encoder's units of a query then documents: no query here, so drop its entry.
  const units = sequenceUnits('bi', '', texts, files.maxLength).slice(1);
  const { vectors, completed, unitsDone } = await embedEach(model, files, texts, units, cancelled);
  const ms = performance.now() - started;
  const dimensions = vectors[0]?.length ?? 0;
  if (!completed) return { vectors: null, dimensions, units: unitsDone, ms };
  const flat = new Float32Array(texts.length * dimensions);
  vectors.forEach((vector, index) => flat.set(vector, index * dimensions));
  return { vectors: flat, dimensions, units: unitsDone, ms };
}

export default async function task(input: WorkerTask): Promise<WorkerResult> {
  if (input.op === 'describe') {
    const model = await load(input.model);
    return { kind: model.kind, inputNames: model.inputNames, outputName: model.outputName };
  }
  if (input.op === 'embed') return embed(input.model, input.texts, input.cancel);
  return relevance(input.model, input.query, input.documents, input.cancel);
}
