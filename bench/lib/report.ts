/**
 * Reporting shared by the benchmarks: settings from the environment, number rounding, plain-text
 * tables, the machine description and the JSON result files in bench/results/.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PDF_ENGINE, PDF_ENGINES, type PdfEngine } from '../../src/ports/extractor.js';
import { CLOCK_TICKS_PER_SECOND } from './proc.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const RESULTS_DIR = join(ROOT, 'bench', 'results');

/** BENCH_PDF_ENGINE: the PDF engine a bench runs (default the server's own, DEFAULT_PDF_ENGINE). */
export function pdfEngineFromEnv(): PdfEngine {
  const raw = process.env.BENCH_PDF_ENGINE ?? DEFAULT_PDF_ENGINE;
  if (!(PDF_ENGINES as readonly string[]).includes(raw))
    throw new Error(`BENCH_PDF_ENGINE must be one of ${PDF_ENGINES.join(', ')}, got "${raw}"`);
  return raw as PdfEngine;
}

/** A number of seconds from the environment (up to an hour), or `fallback` when unset. */
export function secondsFromEnv(name: string, fallback: number, allowZero: boolean): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0) || value > 3600) {
    throw new Error(`${name} must be a number of seconds up to 3600, got "${raw}"`);
  }
  return value;
}

/** An integer from `min` to `max` from the environment, or `fallback` when unset. */
export function integerFromEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

export const round = (value: number, digits = 3): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

/** Prints a table: the first column left-aligned, the others right-aligned. */
export function printTable(header: string[], body: string[][]): void {
  const widths = header.map((title, i) =>
    Math.max(title.length, ...body.map((cells) => (cells[i] ?? '').length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ');
  console.log(line(header));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const cells of body) console.log(line(cells));
}

/** The load-average line printed at the start of a benchmark, with a warning when it is high. */
export function loadAverageLine(loadAverage: number[]): string {
  return (
    `load average at start: ${loadAverage.map((load) => load.toFixed(2)).join(' ')}` +
    (loadAverage[0] !== undefined && loadAverage[0] > 0.5
      ? ' (the machine is busy: req/s and latency will be noisy; server µs/req less so)'
      : '')
  );
}

export function packageVersion(name: string): string | undefined {
  try {
    const manifest = JSON.parse(
      readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8'),
    ) as { version?: string };
    return manifest.version;
  } catch {
    return undefined;
  }
}

export function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

/** The machine and software a run happened on, for the JSON report. */
export function environmentReport(
  loadAverageAtStart: number[],
  packages: Record<string, string | undefined>,
): Record<string, unknown> {
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    cpuCount: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model,
    totalMemoryBytes: os.totalmem(),
    loadAverageAtStart,
    loadAverageAtEnd: os.loadavg(),
    clockTicksPerSecond: CLOCK_TICKS_PER_SECOND,
    gitCommit: gitCommit(),
    packages,
  };
}

/**
 * Writes bench/results/<name>-<timestamp>.json and <name>-latest.json, and prints both paths.
 */
export function writeResults(name: string, startedAt: Date, report: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const file = join(RESULTS_DIR, `${name}-${stamp}.json`);
  const latest = join(RESULTS_DIR, `${name}-latest.json`);
  const json = `${JSON.stringify(report, null, 2)}\n`;
  writeFileSync(file, json);
  writeFileSync(latest, json);
  console.log(`\nresults: ${file}\n         ${latest}`);
  return file;
}

export interface TargetCheck {
  name: string;
  value: number | undefined;
  threshold: string;
  /** INVALID when a measurement it rests on was not valid (then `pass` is false too). */
  result: 'PASS' | 'FAIL' | 'INVALID';
  pass: boolean;
}

/** Judges one target: INVALID unless the value exists and every measurement under it is valid. */
export function checkTarget(
  name: string,
  value: number | undefined,
  threshold: string,
  met: (value: number) => boolean,
  valid: boolean,
): TargetCheck {
  const usable = value !== undefined && valid;
  const pass = usable && met(value);
  return { name, value, threshold, result: usable ? (pass ? 'PASS' : 'FAIL') : 'INVALID', pass };
}

export function printTargets(targets: TargetCheck[]): void {
  for (const target of targets) {
    const value = target.value === undefined ? 'n/a' : String(target.value);
    console.log(`${target.result.padEnd(7)} ${target.name} (measured ${value})`);
  }
}
