/**
 * The end-user commands of the `quire` binary, spoken to a running Quire through the SDK
 * (@quire/client) only: upload, ls, get, search, rerank, jobs, convert, rm.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { Quire, type DocumentListQuery, type Job, type JobListQuery } from '@quire/client';
import { describeError, EXIT, exitCodeOf, UsageError } from './exit-codes.js';
import { oneLine, size, table } from './format.js';
import { processOutput, type Output } from './output.js';
import { configFilePath, resolveSettings } from './settings.js';
import { upload } from './upload.js';

export const CLIENT_USAGE = `usage: quire <command> [options]   (talks to a running Quire)
  upload <files|dirs…> [--wait] [--tag T]… [--title T] [--metadata JSON] [--password P] [--no-dedupe]
  ls [--status S] [--tag T]… [--limit N] [--cursor C]
  get <id> [--format text|markdown|json] [--pages 1-3,7] [--redact pii] [--info]
  search "<query>" [--limit N] [--tag T]…
  rerank "<query>" [texts…]        (texts one per line on stdin when none are given) [--top-n N]
  jobs [ls] [--status S] [--document ID] | jobs watch <id> | jobs retry <id> | jobs cancel <id>
  convert <file> [--to markdown|text|json] [--output FILE]
  rm <id…>
options for every command: --url URL  --api-key KEY  --json  --help
server and key: --url/--api-key, else QUIRE_URL/QUIRE_API_KEY, else the config file
  (\${XDG_CONFIG_HOME:-~/.config}/quire/config.json: {"url": "...", "api_key": "..."})
exit codes: 0 ok, 1 unexpected, 2 usage, 3 auth, 4 not found, 5 refused input,
  6 unavailable, 7 network, 8 extraction failed
`;

const OPTIONS = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  wait: { type: 'boolean', short: 'w', default: false },
  tag: { type: 'string', multiple: true },
  title: { type: 'string' },
  metadata: { type: 'string' },
  password: { type: 'string' },
  'no-dedupe': { type: 'boolean', default: false },
  concurrency: { type: 'string' },
  status: { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  format: { type: 'string' },
  pages: { type: 'string' },
  redact: { type: 'string' },
  info: { type: 'boolean', default: false },
  'top-n': { type: 'string' },
  method: { type: 'string' },
  document: { type: 'string' },
  to: { type: 'string' },
  output: { type: 'string', short: 'o' },
} as const satisfies ParseArgsConfig['options'];

type Values = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
}

function integer(value: string | undefined, name: string, min: number, max: number) {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max)
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
  return number;
}

function one(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`expected ${what}`);
  return positionals[0] as string;
}

/** Runs one client command; returns the exit code (never throws). */
export async function clientCommand(command: string, argv: string[]): Promise<number> {
  let out: Output = processOutput(argv.includes('--json'));
  try {
    let parsed;
    try {
      parsed = parse(argv);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const { values, positionals } = parsed;
    out = processOutput(values.json);
    if (values.help) {
      process.stdout.write(CLIENT_USAGE);
      return EXIT.ok;
    }
    const settings = resolveSettings({ url: values.url, apiKey: values['api-key'] }, process.env);
    const quire = new Quire({ baseUrl: settings.url, apiKey: settings.apiKey });
    return await run(quire, command, positionals, values, out);
  } catch (error) {
    const code = exitCodeOf(error);
    if (code === EXIT.usage) out.stderr(`quire: ${describeError(error)}\n${CLIENT_USAGE}`);
    else {
      out.stderr(`quire: ${describeError(error)}\n`);
      if (code === EXIT.auth)
        out.stderr(
          `quire: set QUIRE_API_KEY (or "api_key" in ${configFilePath(process.env)}) to a key with the needed scope\n`,
        );
      if (code === EXIT.network)
        out.stderr('quire: is Quire running there? Set QUIRE_URL (or --url) to where it listens\n');
    }
    return code;
  }
}

async function run(
  quire: Quire,
  command: string,
  positionals: string[],
  values: Values,
  out: Output,
): Promise<number> {
  const print = (value: unknown): void => out.stdout(`${JSON.stringify(value, null, 2)}\n`);
  switch (command) {
    case 'upload': {
      let metadata: Record<string, unknown> | undefined;
      if (values.metadata !== undefined) {
        try {
          metadata = JSON.parse(values.metadata) as Record<string, unknown>;
        } catch {
          throw new UsageError('--metadata must be a JSON object');
        }
      }
      return upload(
        quire,
        positionals,
        {
          wait: values.wait,
          tags: values.tag ?? [],
          title: values.title,
          metadata,
          password: values.password,
          dedupe: !values['no-dedupe'],
          concurrency: integer(values.concurrency, 'concurrency', 1, 16) ?? 3,
        },
        out,
      );
    }
    case 'ls': {
      const query: DocumentListQuery = {};
      if (values.status) query.status = values.status as NonNullable<DocumentListQuery['status']>;
      if (values.tag) query.tag = values.tag;
      const limit = integer(values.limit, 'limit', 1, 200);
      if (limit !== undefined) query.limit = limit;
      if (values.cursor) query.cursor = values.cursor;
      const list = await quire.documents.list(query);
      if (out.json) print(list);
      else {
        out.stdout(
          table(
            ['ID', 'TITLE', 'STATUS', 'PAGES', 'SIZE', 'CREATED'],
            list.data.map((document) => [
              document.id,
              oneLine(document.title, 40),
              document.status,
              String(document.page_count ?? '-'),
              size(document.size_bytes),
              document.created_at,
            ]),
          ),
        );
        if (list.next_cursor) out.stderr(`more: quire ls --cursor ${list.next_cursor}\n`);
      }
      return EXIT.ok;
    }
    case 'get': {
      const id = one(positionals, 'one document id');
      if (values.info || values.json) {
        print(await quire.documents.get(id));
        return EXIT.ok;
      }
      const format = values.format ?? 'text';
      if (!['text', 'markdown', 'json'].includes(format))
        throw new UsageError('--format is text, markdown or json');
      if (values.redact !== undefined && values.redact !== 'pii')
        throw new UsageError('--redact takes pii');
      const options = {
        ...(values.pages ? { pages: values.pages } : {}),
        ...(values.redact ? { redact: 'pii' as const } : {}),
      };
      if (format === 'json') print(await quire.content(id, { ...options, format: 'json' }));
      else {
        const text = await quire.content(id, { ...options, format: format as 'text' | 'markdown' });
        out.stdout(text.endsWith('\n') ? text : `${text}\n`);
      }
      return EXIT.ok;
    }
    case 'search': {
      if (positionals.length === 0) throw new UsageError('search needs a query');
      const limit = integer(values.limit, 'limit', 1, 100);
      const result = await quire.search(positionals.join(' '), {
        ...(limit === undefined ? {} : { limit }),
        ...(values.tag ? { filters: { tags: values.tag } } : {}),
      });
      if (out.json) print(result);
      else {
        out.stdout(
          table(
            ['SCORE', 'DOCUMENT', 'PAGE', 'TEXT'],
            result.results.map((hit) => [
              hit.score >= 0.001 || hit.score === 0
                ? hit.score.toFixed(3)
                : hit.score.toExponential(2),
              hit.document_id,
              String(hit.page ?? '-'),
              oneLine(hit.text, 80),
            ]),
          ),
        );
      }
      return EXIT.ok;
    }
    case 'rerank': {
      const [query, ...given] = positionals;
      if (query === undefined) throw new UsageError('rerank needs a query');
      const texts =
        given.length > 0
          ? given
          : readFileSync(0, 'utf8')
              .split('\n')
              .filter((line) => line.trim() !== '');
      if (texts.length === 0) throw new UsageError('rerank needs texts (arguments or stdin lines)');
      const topN = integer(values['top-n'], 'top-n', 1, 1000);
      const result = await quire.rerank(query, texts, {
        ...(topN === undefined ? {} : { top_n: topN }),
        ...(values.method ? { method: values.method as 'lexical' | 'semantic' | 'hybrid' } : {}),
      });
      if (out.json) print(result);
      else {
        out.stdout(
          table(
            ['RANK', 'SCORE', 'INDEX', 'TEXT'],
            result.results.map((hit, rank) => [
              String(rank + 1),
              hit.relevance_score.toFixed(3),
              String(hit.index),
              oneLine(texts[hit.index] ?? '', 80),
            ]),
          ),
        );
      }
      return EXIT.ok;
    }
    case 'jobs':
      return jobs(quire, positionals, values, out);
    case 'convert': {
      const file = one(positionals, 'one file');
      const to = values.to ?? 'markdown';
      if (!['text', 'markdown', 'json'].includes(to))
        throw new UsageError('--to is markdown, text or json');
      const text = await quire.convert(file, { to: to as 'text' | 'markdown' | 'json' });
      if (values.output) {
        writeFileSync(values.output, text);
      } else out.stdout(text.endsWith('\n') ? text : `${text}\n`);
      return EXIT.ok;
    }
    case 'rm': {
      if (positionals.length === 0) throw new UsageError('rm needs document ids');
      for (const id of positionals) {
        await quire.documents.delete(id);
        if (!out.json) out.stdout(`deleted ${id}\n`);
      }
      if (out.json) print({ deleted: positionals });
      return EXIT.ok;
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

async function jobs(
  quire: Quire,
  positionals: string[],
  values: Values,
  out: Output,
): Promise<number> {
  const [action = 'ls', ...rest] = positionals;
  const print = (value: unknown): void => out.stdout(`${JSON.stringify(value, null, 2)}\n`);
  const showJob = (job: Job): void => {
    if (out.json) print(job);
    else
      out.stdout(
        `${job.id} ${job.status}${job.error ? ` ${job.error.code}: ${job.error.message}` : ''}\n`,
      );
  };
  switch (action) {
    case 'ls': {
      const query: JobListQuery = {};
      if (values.status) query.status = values.status as NonNullable<JobListQuery['status']>;
      if (values.document) query.document_id = values.document;
      const limit = integer(values.limit, 'limit', 1, 200);
      if (limit !== undefined) query.limit = limit;
      const list = await quire.jobs.list(query);
      if (out.json) print(list);
      else
        out.stdout(
          table(
            ['ID', 'TYPE', 'STATUS', 'DOCUMENT', 'PROGRESS', 'ATTEMPTS', 'ERROR'],
            list.data.map((job) => [
              job.id,
              job.type,
              job.status,
              job.document_id ?? '-',
              `${job.progress.done}/${job.progress.total}`,
              `${job.attempts}/${job.max_attempts}`,
              job.error ? `${job.error.code}` : '',
            ]),
          ),
        );
      return EXIT.ok;
    }
    case 'watch': {
      const id = one(rest, 'one job id');
      let last = '';
      const job = await quire.waitForJob(id, {
        onProgress: (state) => {
          const line = `${state.status} ${state.progress.done}/${state.progress.total} ${state.progress.unit}`;
          if (!out.json && line !== last) {
            last = line;
            if (out.progress) out.stderr(`\r\x1b[2K${id} ${line}`);
          }
        },
      });
      if (out.progress) out.stderr('\n');
      showJob(job);
      return job.status === 'succeeded' ? EXIT.ok : EXIT.extractionFailed;
    }
    case 'retry':
      showJob(await quire.jobs.retry(one(rest, 'one job id')));
      return EXIT.ok;
    case 'cancel':
      showJob(await quire.jobs.cancel(one(rest, 'one job id')));
      return EXIT.ok;
    default:
      throw new UsageError(`unknown jobs action "${action}" (ls, watch, retry, cancel)`);
  }
}
