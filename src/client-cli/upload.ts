/**
 * `quire upload <files|dirs…> [--wait]`: one progress bar per file on a terminal (bytes sent,
 * then pages extracted from the job's event stream), then a summary table.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { MultiBar, type SingleBar } from 'cli-progress';
import type { Document, Job, Progress, Quire } from '@quire/client';
import { EXIT, exitCodeOf, describeError, UsageError } from './exit-codes.js';
import { oneLine, size, table } from './format.js';
import type { Output } from './output.js';

export interface UploadFlags {
  wait: boolean;
  tags: string[];
  title: string | undefined;
  metadata: Record<string, unknown> | undefined;
  password: string | undefined;
  dedupe: boolean;
  concurrency: number;
}

interface Outcome {
  file: string;
  document?: Document;
  job?: Job | null;
  deduplicated?: boolean;
  error?: unknown;
}

/** Files named, and every file under a directory named (dot files skipped), in order. */
export function expandPaths(paths: string[]): string[] {
  const files: string[] = [];
  const walk = (path: string, named: boolean): void => {
    let info;
    try {
      info = statSync(path);
    } catch {
      throw new UsageError(`no such file or directory: ${path}`);
    }
    if (info.isDirectory()) {
      for (const entry of readdirSync(path).sort()) {
        if (!entry.startsWith('.')) walk(join(path, entry), false);
      }
    } else if (info.isFile()) files.push(path);
    else if (named) throw new UsageError(`not a file: ${path}`);
  };
  for (const path of paths) walk(path, true);
  return files;
}

export async function upload(
  quire: Quire,
  paths: string[],
  flags: UploadFlags,
  out: Output,
): Promise<number> {
  if (paths.length === 0) throw new UsageError('upload needs at least one file or directory');
  const files = expandPaths(paths);
  if (files.length === 0) throw new UsageError('no files found');
  if (flags.title !== undefined && files.length > 1)
    throw new UsageError('--title names one file only');

  const bars = out.progress
    ? new MultiBar({
        stream: process.stderr,
        format: ' {file} |{bar}| {percentage}% {phase} {detail}',
        barsize: 24,
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        autopadding: true,
      })
    : undefined;
  // Ctrl-C while bars are drawn: give the terminal its cursor back before leaving.
  const interrupted = (): void => {
    bars?.stop();
    process.off('SIGINT', interrupted);
    process.exit(130);
  };
  if (bars) process.once('SIGINT', interrupted);
  const width = Math.min(32, Math.max(...files.map((file) => basename(file).length)));

  const outcomes: Outcome[] = files.map((file) => ({ file }));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const index = next++;
      const file = files[index] as string;
      const outcome = outcomes[index] as Outcome;
      let bar: SingleBar | undefined;
      try {
        bar = bars?.create(1, 0, {
          file: oneLine(basename(file), width).padEnd(width),
          phase: 'upload',
          detail: '',
        });
        const result = await quire.upload(file, {
          wait: flags.wait,
          tags: flags.tags,
          dedupe: flags.dedupe,
          ...(flags.title === undefined ? {} : { title: flags.title }),
          ...(flags.metadata === undefined ? {} : { metadata: flags.metadata }),
          ...(flags.password === undefined ? {} : { password: flags.password }),
          onProgress: (progress) => showProgress(bar, progress),
        });
        Object.assign(outcome, result);
        const final = result.job?.status ?? result.document.status;
        bar?.update(bar.getTotal(), {
          phase: result.deduplicated ? 'stored already' : final,
          detail: '',
        });
      } catch (error) {
        outcome.error = error;
        bar?.update(0, { phase: 'failed', detail: oneLine(describeError(error), 40) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(flags.concurrency, files.length) }, worker));
  bars?.stop();

  const failedUpload = outcomes.filter((outcome) => outcome.error !== undefined);
  const failedExtraction = outcomes.filter(
    (outcome) => outcome.error === undefined && outcome.document?.status === 'failed',
  );
  if (out.json) {
    out.stdout(
      JSON.stringify(
        outcomes.map((outcome) => ({
          file: outcome.file,
          document: outcome.document ?? null,
          job: outcome.job ?? null,
          deduplicated: outcome.deduplicated ?? false,
          error: outcome.error === undefined ? null : describeError(outcome.error),
        })),
        null,
        2,
      ) + '\n',
    );
  } else {
    out.stdout(
      table(
        ['FILE', 'DOCUMENT', 'STATUS', 'PAGES', 'SIZE'],
        outcomes.map((outcome) => [
          outcome.file,
          outcome.document?.id ?? '-',
          outcome.error !== undefined
            ? `error: ${oneLine(describeError(outcome.error), 60)}`
            : `${outcome.document?.status ?? '-'}${outcome.deduplicated ? ' (stored already)' : ''}`,
          String(outcome.document?.page_count ?? '-'),
          size(outcome.document?.size_bytes),
        ]),
      ),
    );
    const done = outcomes.length - failedUpload.length - failedExtraction.length;
    out.stdout(
      `${flags.wait ? done : outcomes.length - failedUpload.length} of ${outcomes.length} ${
        flags.wait ? 'uploaded and extracted' : 'uploaded'
      }\n`,
    );
    for (const outcome of failedExtraction) {
      const error = outcome.document?.error;
      out.stderr(
        `${outcome.file}: extraction failed: ${error?.code ?? ''} ${error?.message ?? ''}\n`,
      );
    }
  }
  if (failedUpload.length > 0) return exitCodeOf(failedUpload[0]?.error);
  if (failedExtraction.length > 0) return EXIT.extractionFailed;
  return EXIT.ok;
}

function showProgress(bar: SingleBar | undefined, progress: Progress): void {
  if (bar === undefined) return;
  if (progress.phase === 'upload') {
    const total = progress.total ?? progress.loaded;
    if (bar.getTotal() !== total) bar.setTotal(Math.max(total, 1));
    bar.update(progress.loaded, {
      phase: 'upload',
      detail: `${size(progress.loaded)}/${size(total)}`,
    });
    return;
  }
  const total = Math.max(progress.total, 1);
  if (bar.getTotal() !== total) bar.setTotal(total);
  bar.update(Math.min(progress.done, total), {
    phase: progress.job.status === 'queued' ? 'queued' : 'extract',
    detail: `${progress.done}/${progress.total} pages`,
  });
}
