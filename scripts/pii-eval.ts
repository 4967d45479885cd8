/**
 * Scores the PII detector against the labelled set in test/fixtures/pii-labelled.ts: entity-level
 * precision and recall per type and overall (type and span must match exactly), the mistakes,
 * and how long a scan of each 1 MB adversarial input takes (a regression to super-linear regex
 * behaviour shows up here as seconds). Writes bench/results/pii-eval.json; exits 1 when overall
 * precision or recall falls below 0.95.
 *
 *   tsx scripts/pii-eval.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectPii, PII_TYPES } from '../src/domain/pii/index.js';
import {
  adversarialInputs,
  PII_NEGATIVES,
  PII_POSITIVES,
  scoreDetector,
  type Score,
} from '../test/fixtures/pii-labelled.js';

const THRESHOLD = 0.95;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const output = join(root, 'bench', 'results', 'pii-eval.json');

const started = performance.now();
const { perType, overall, mistakes } = scoreDetector((text) =>
  detectPii(text, PII_TYPES, Date.now()),
);
const evalMs = performance.now() - started;

const percent = (value: number): string => `${(value * 100).toFixed(1)}%`;
const row = (score: Score): string =>
  [
    score.type.padEnd(14),
    String(score.tp).padStart(5),
    String(score.fp).padStart(5),
    String(score.fn).padStart(5),
    percent(score.precision).padStart(10),
    percent(score.recall).padStart(8),
    percent(score.f1).padStart(7),
  ].join(' ');

console.log(
  `PII detector on ${PII_POSITIVES.length} positive and ${PII_NEGATIVES.length} negative examples ` +
    `(${evalMs.toFixed(0)} ms)\n`,
);
console.log(
  ['type'.padEnd(14), '   tp', '   fp', '   fn', ' precision', '  recall', '     f1'].join(' '),
);
for (const score of perType) console.log(row(score));
console.log('-'.repeat(62));
console.log(row(overall));

if (mistakes.length > 0) {
  console.log(`\nMistakes (${mistakes.length}):`);
  for (const mistake of mistakes.slice(0, 50)) {
    console.log(
      `  ${mistake.kind} ${mistake.type} "${mistake.entity}" in: ${JSON.stringify(mistake.text)}`,
    );
  }
}

// Time to scan 1 MB adversarial inputs (all types at once).
console.log('\nScan of 1 MiB adversarial inputs, all types:');
const timings: Record<string, number> = {};
for (const [name, text] of Object.entries(adversarialInputs())) {
  const start = performance.now();
  detectPii(text, PII_TYPES, Date.now());
  timings[name] = Math.round(performance.now() - start);
  console.log(`  ${name.padEnd(20)} ${String(timings[name]).padStart(6)} ms`);
}
const slowest = Math.max(...Object.values(timings));
console.log(`  ${'slowest'.padEnd(20)} ${String(slowest).padStart(6)} ms`);

mkdirSync(dirname(output), { recursive: true });
writeFileSync(
  output,
  `${JSON.stringify(
    {
      generated_at: new Date().toISOString(),
      node: process.version,
      examples: { positive: PII_POSITIVES.length, negative: PII_NEGATIVES.length },
      threshold: THRESHOLD,
      overall,
      per_type: perType,
      mistakes,
      adversarial_1mib_ms: timings,
      adversarial_slowest_ms: slowest,
    },
    null,
    2,
  )}\n`,
);
console.log(`\nWrote ${output}`);

if (overall.precision < THRESHOLD || overall.recall < THRESHOLD) {
  console.error(
    `Overall precision ${percent(overall.precision)} or recall ${percent(overall.recall)} is below ${percent(THRESHOLD)}`,
  );
  process.exit(1);
}
