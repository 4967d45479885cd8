/**
 * @quire/client — a typed client for the Quire document API, for Node ≥ 20 and browsers.
 *
 *   const quire = new Quire({ baseUrl: 'http://127.0.0.1:8080', apiKey: process.env.QUIRE_API_KEY });
 *   const { document } = await quire.upload(file, { wait: true });
 *
 * The request and response types come from the server's OpenAPI document (generated at build
 * time into ./generated/openapi.ts). This entry imports nothing of Node's: a path given to
 * `upload` or `convert` loads the Node helpers (./node.js) on demand.
 */
import createClient from 'openapi-fetch';
import { QuireError, QuireJobError, QuireNetworkError } from './errors.js';
import type { paths } from './generated/openapi.js';
import { multipartBody, type FileSource, type UploadProgress } from './multipart.js';
import { readEvents } from './sse.js';
import { createSend, DEFAULT_RETRY, sleep, type RetryPolicy, type Send } from './transport.js';
import type {
  BatchItem,
  BatchResult,
  ContentQuery,
  ConvertTarget,
  Created,
  DeliveryList,
  Document,
  DocumentList,
  DocumentListQuery,
  DocumentUpdate,
  Job,
  JobList,
  JobListQuery,
  PiiDetectRequest,
  PiiDetectResponse,
  PiiRedactRequest,
  PiiRedactResponse,
  RerankRequest,
  RerankResponse,
  SearchRequest,
  SearchResponse,
  SimilarityRequest,
  SimilarityResponse,
  Webhook,
  WebhookCreate,
  WebhookCreated,
  WebhookList,
} from './types.js';

export { QuireError, QuireJobError, QuireNetworkError };
export type { FieldError } from './errors.js';
export type { FileSource, UploadProgress } from './multipart.js';
export type { RetryPolicy } from './transport.js';
export type * from './types.js';
export type { paths, operations } from './generated/openapi.js';

export interface QuireOptions {
  /** Where Quire answers, e.g. `http://127.0.0.1:8080` (no trailing `/v1`). */
  baseUrl: string;
  /** An API key (`qk_…`) or a JWT; sent as `Authorization: Bearer …`. */
  apiKey?: string | undefined;
  /** A fetch to use instead of the global one (tests, proxies, instrumentation). */
  fetch?: typeof fetch;
  /** Retries on 429/503 (honouring Retry-After) and on lost connections of repeatable requests. */
  retry?: Partial<RetryPolicy>;
  /** Headers added to every request (e.g. `x-request-id`). */
  headers?: Record<string, string>;
}

/** Upload bytes, then the extraction's pages (from the job's event stream, with `wait`). */
export type Progress = UploadProgress | { phase: 'extract'; done: number; total: number; job: Job };

export interface WaitOptions {
  /** Each state the job passes through (from its event stream, or from polling). */
  onProgress?: (job: Job) => void;
  /** Give up after this long (throws a QuireError with code `TIMEOUT`). */
  timeoutMs?: number;
  /** Polling interval when the event stream cannot be used (default 1 s). */
  pollIntervalMs?: number;
  signal?: AbortSignal;
}

interface CreateOptions {
  title?: string;
  tags?: string[];
  metadata?: Record<string, unknown>;
  /** Wait for the extraction; the answer then holds the document as it ended. */
  wait?: boolean | Omit<WaitOptions, 'onProgress'>;
  /** Sent as Idempotency-Key (one is generated otherwise, so retries never create twice). */
  idempotencyKey?: string;
  /** `false` stores the file again even when the tenant has the same bytes already. */
  dedupe?: boolean;
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
}

export interface UploadOptions extends CreateOptions {
  /** The file's name (needed for streams; taken from a File or a path otherwise). */
  filename?: string;
  /** Its media type, when known (the server sniffs it anyway). */
  contentType?: string;
  /** Opens an encrypted PDF or Office file. */
  password?: string;
}

/** A Blob or File, a stream of bytes, or (in Node) a path. */
export type UploadInput = FileSource | string;

export interface Uploaded {
  document: Document;
  /** The extraction job (null when the same bytes were stored already). */
  job: Job | null;
  deduplicated: boolean;
}

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'dead']);

export class Quire {
  readonly baseUrl: string;
  readonly #send: Send;
  readonly #headers: Record<string, string>;
  readonly #api: ReturnType<typeof createClient<paths>>;

  constructor(options: QuireOptions) {
    if (!options?.baseUrl) throw new TypeError('Quire: baseUrl is required');
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#headers = { ...options.headers };
    if (options.apiKey) this.#headers.authorization = `Bearer ${options.apiKey}`;
    const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#send = createSend(fetchImpl, { ...DEFAULT_RETRY, ...options.retry });
    this.#api = createClient<paths>({
      baseUrl: this.baseUrl,
      headers: this.#headers,
      // Every typed call goes through the retrying, error-raising transport.
      fetch: (request) => {
        const spare = request.clone();
        let first = true;
        const repeatable =
          request.method === 'GET' ||
          request.method === 'DELETE' ||
          request.headers.has('idempotency-key') ||
          REPEATABLE_POSTS.some((path) => new URL(request.url).pathname === path);
        return this.#send(
          () => {
            if (first) {
              first = false;
              return request;
            }
            return spare.clone();
          },
          { retry: repeatable, signal: request.signal },
        );
      },
    });
  }

  // --- documents ---------------------------------------------------------------------------

  /** Uploads a file (Blob/File, byte stream, or a path in Node); `wait` follows its extraction. */
  async upload(input: UploadInput, options: UploadOptions = {}): Promise<Uploaded> {
    const file = await resolveFile(input, options.filename);
    const body = multipartBody(
      {
        title: options.title,
        tags: options.tags?.join(','),
        metadata: options.metadata === undefined ? undefined : JSON.stringify(options.metadata),
        password: options.password,
      },
      { name: file.name, source: file.source, type: options.contentType ?? file.type },
      options.onProgress,
    );
    const url = this.#url('/v1/documents', options.dedupe === false ? { dedupe: 'false' } : {});
    const key = options.idempotencyKey ?? crypto.randomUUID();
    const response = await this.#send(
      () => {
        const made = body.make();
        return new Request(url, {
          method: 'POST',
          headers: {
            ...this.#headers,
            'content-type': body.contentType,
            'idempotency-key': key,
          },
          body: made.body,
          signal: options.signal ?? null,
          ...(made.streamed ? { duplex: 'half' } : {}),
        } as RequestInit);
      },
      { retry: body.replayable, signal: options.signal },
    );
    const created = (await response.json()) as Created;
    return this.#settle(created, options);
  }

  /** Creates a document from a URL the server fetches (SSRF-guarded). */
  async createFromUrl(
    url: string,
    options: CreateOptions & { headers?: Record<string, string> } = {},
  ): Promise<Uploaded> {
    return this.#createJson({ url, headers: options.headers }, options);
  }

  /** Creates a document from text (`filename` helps type detection: `notes.md`, `data.csv`…). */
  async createFromText(
    text: string,
    options: CreateOptions & { filename?: string } = {},
  ): Promise<Uploaded> {
    return this.#createJson({ text, filename: options.filename }, options);
  }

  async #createJson(
    source: { url?: string; text?: string; filename?: string | undefined; headers?: unknown },
    options: CreateOptions,
  ): Promise<Uploaded> {
    const { data } = await this.#api.POST('/v1/documents', {
      params: { query: options.dedupe === false ? { dedupe: false } : {} },
      body: {
        ...(source as { url?: string; text?: string; filename?: string }),
        title: options.title,
        tags: options.tags,
        metadata: options.metadata,
      },
      headers: { 'idempotency-key': options.idempotencyKey ?? crypto.randomUUID() },
      signal: options.signal,
    });
    return this.#settle(data as Created, options);
  }

  async #settle(created: Created, options: CreateOptions): Promise<Uploaded> {
    const result: Uploaded = {
      document: created.document,
      job: (created.job as Job | null) ?? null,
      deduplicated: 'deduplicated' in created && created.deduplicated === true,
    };
    if (!options.wait || result.job === null) return result;
    const wait = typeof options.wait === 'object' ? options.wait : {};
    const onProgress = options.onProgress;
    const follow = (id: string): Promise<Job> =>
      this.waitForJob(id, {
        ...wait,
        signal: wait.signal ?? options.signal,
        onProgress: (job) =>
          onProgress?.({
            phase: 'extract',
            done: job.progress.done,
            total: job.progress.total,
            job,
          }),
      });
    const id = result.document.id;
    let job = await follow(result.job.id);
    // A URL document is fetched by one job, then extracted by the next: follow the chain until
    // the document itself has settled.
    for (let step = 0; step < 40; step++) {
      result.job = job;
      result.document = await this.documents.get(id);
      if (job.status !== 'succeeded') break;
      if (result.document.status === 'ready' || result.document.status === 'failed') break;
      const jobs = await this.jobs.list({ document_id: id });
      const next = jobs.data.find((other) => other.id !== job.id && !TERMINAL.has(other.status));
      if (next === undefined) await sleep(250, wait.signal ?? options.signal);
      else job = await follow(next.id);
    }
    // The extraction can finish before its fetch job is seen finished: report the job that
    // settled the document, not the fetch before it.
    if (result.job.type === 'fetch' && result.document.status !== 'pending') {
      const jobs = await this.jobs.list({ document_id: id });
      const extraction = jobs.data.find(
        (other) => other.type === 'extract' && TERMINAL.has(other.status),
      );
      if (extraction !== undefined) result.job = extraction;
    }
    return result;
  }

  readonly documents = {
    list: async (query: DocumentListQuery = {}): Promise<DocumentList> =>
      (await this.#api.GET('/v1/documents', { params: { query } })).data as DocumentList,
    get: async (id: string): Promise<Document> =>
      (await this.#api.GET('/v1/documents/{id}', { params: { path: { id } } })).data as Document,
    update: async (id: string, patch: DocumentUpdate): Promise<Document> =>
      (await this.#api.PATCH('/v1/documents/{id}', { params: { path: { id } }, body: patch }))
        .data as Document,
    delete: async (id: string): Promise<void> => {
      await this.#api.DELETE('/v1/documents/{id}', { params: { path: { id } } });
    },
    /** Extracts the document again (with a password for an encrypted PDF). */
    reprocess: async (id: string, options: { password?: string } = {}): Promise<Job> => {
      const { data } = await this.#api.POST('/v1/documents/{id}/reprocess', {
        params: { path: { id } },
        body: options,
        headers: { 'idempotency-key': crypto.randomUUID() },
      });
      return (data as { job: Job }).job;
    },
    /** Up to 100 URL or text items in one request. */
    batch: async (items: BatchItem[]): Promise<BatchResult> =>
      (
        await this.#api.POST('/v1/documents/batch', {
          body: { items },
          headers: { 'idempotency-key': crypto.randomUUID() },
        })
      ).data as BatchResult,
    /** The original file's bytes. */
    file: async (id: string): Promise<Response> =>
      this.#send(
        () =>
          new Request(this.#url(`/v1/documents/${encodeURIComponent(id)}/file`), {
            headers: this.#headers,
          }),
        { retry: true },
      ),
  };

  /** Extracted content: text (pages split by form feeds), Markdown, or JSON pages. */
  async content(
    id: string,
    options: Omit<ContentQuery, 'format'> & { format: 'json' },
  ): Promise<{ pages: { number: number; text: string }[]; metadata: Record<string, unknown> }>;
  async content(
    id: string,
    options?: Omit<ContentQuery, 'format'> & { format?: 'text' | 'markdown' },
  ): Promise<string>;
  async content(id: string, options: ContentQuery = {}): Promise<unknown> {
    const { data } = await this.#api.GET('/v1/documents/{id}/content', {
      params: { path: { id }, query: options },
      parseAs: 'text',
    });
    return options.format === 'json' ? JSON.parse(data as string) : data;
  }

  // --- jobs --------------------------------------------------------------------------------

  readonly jobs = {
    list: async (query: JobListQuery = {}): Promise<JobList> =>
      (await this.#api.GET('/v1/jobs', { params: { query } })).data as JobList,
    get: async (id: string): Promise<Job> =>
      (await this.#api.GET('/v1/jobs/{id}', { params: { path: { id } } })).data as Job,
    cancel: async (id: string): Promise<Job> =>
      (
        (
          await this.#api.POST('/v1/jobs/{id}/cancel', {
            params: { path: { id } },
            headers: { 'idempotency-key': crypto.randomUUID() },
          })
        ).data as { job: Job }
      ).job,
    retry: async (id: string): Promise<Job> =>
      (
        (
          await this.#api.POST('/v1/jobs/{id}/retry', {
            params: { path: { id } },
            headers: { 'idempotency-key': crypto.randomUUID() },
          })
        ).data as { job: Job }
      ).job,
  };

  /**
   * Follows a job until it settles (`succeeded`, `failed`, `dead` or `cancelled`) and returns it
   * as it ended. Reads the job's Server-Sent Events, reconnecting when the stream drops; when the
   * stream cannot be had (too many open, a proxy that buffers), polls instead.
   */
  async waitForJob(id: string, options: WaitOptions = {}): Promise<Job> {
    const { onProgress, pollIntervalMs = 1000 } = options;
    const controller = new AbortController();
    const signals = [controller.signal, options.signal].filter((s) => s !== undefined);
    const signal = AbortSignal.any(signals);
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(
            () =>
              controller.abort(
                new QuireError({
                  code: 'TIMEOUT',
                  status: 0,
                  title: 'Timed out',
                  detail: `job ${id} did not settle within ${options.timeoutMs} ms`,
                }),
              ),
            options.timeoutMs,
          );
    try {
      let failures = 0;
      while (failures < 3) {
        try {
          const settled = await this.#followEvents(id, signal, onProgress);
          if (settled) return settled;
          failures++; // the stream ended before the job did: reconnect
        } catch (error) {
          if (signal.aborted) throw signal.reason;
          if (error instanceof QuireError && [400, 401, 403, 404].includes(error.status))
            throw error;
          failures++;
        }
        await sleep(250 * failures, signal);
      }
      for (;;) {
        const job = await this.jobs.get(id);
        onProgress?.(job);
        if (TERMINAL.has(job.status)) return job;
        await sleep(pollIntervalMs, signal);
      }
    } catch (error) {
      throw signal.aborted ? signal.reason : error;
    } finally {
      clearTimeout(timer);
    }
  }

  async #followEvents(
    id: string,
    signal: AbortSignal,
    onProgress: ((job: Job) => void) | undefined,
  ): Promise<Job | undefined> {
    const response = await this.#send(
      () =>
        new Request(this.#url(`/v1/jobs/${encodeURIComponent(id)}/events`), {
          headers: { ...this.#headers, accept: 'text/event-stream' },
          signal,
        }),
      { retry: false, signal },
    );
    if (!response.body || !response.headers.get('content-type')?.includes('text/event-stream'))
      throw new QuireError({ code: 'NO_EVENT_STREAM', status: 0, title: 'No event stream' });
    for await (const event of readEvents(response.body)) {
      const job = JSON.parse(event.data) as Job;
      onProgress?.(job);
      if (TERMINAL.has(job.status)) return job;
    }
    return undefined;
  }

  // --- search, rerank, similarity ----------------------------------------------------------

  /** Searches the tenant's ready documents. */
  async search(query: string, options: Omit<SearchRequest, 'query'> = {}): Promise<SearchResponse> {
    return (await this.#api.POST('/v1/search', { body: { ...options, query } }))
      .data as SearchResponse;
  }

  /** Orders `documents` by relevance to `query` (the Cohere/Jina request shape). */
  async rerank(
    query: string,
    documents: RerankRequest['documents'],
    options: Omit<RerankRequest, 'query' | 'documents'> = {},
  ): Promise<RerankResponse> {
    return (await this.#api.POST('/v1/rerank', { body: { ...options, query, documents } }))
      .data as RerankResponse;
  }

  /** Scores each target against `source`, in target order. */
  async similarity(
    source: string,
    targets: string[],
    options: Omit<SimilarityRequest, 'source' | 'targets'> = {},
  ): Promise<SimilarityResponse> {
    return (await this.#api.POST('/v1/similarity', { body: { ...options, source, targets } }))
      .data as SimilarityResponse;
  }

  // --- stateless tools ---------------------------------------------------------------------

  /** Converts a file to text, Markdown or JSON pages; nothing is stored. */
  async convert(
    input: UploadInput,
    options: {
      to?: ConvertTarget;
      filename?: string;
      password?: string;
      signal?: AbortSignal;
    } = {},
  ): Promise<string> {
    const file = await resolveFile(input, options.filename);
    const body = multipartBody(
      { password: options.password },
      { name: file.name, source: file.source, type: file.type },
    );
    const url = this.#url('/v1/convert', { to: options.to ?? 'markdown' });
    const response = await this.#send(
      () => {
        const made = body.make();
        return new Request(url, {
          method: 'POST',
          headers: { ...this.#headers, 'content-type': body.contentType },
          body: made.body,
          signal: options.signal ?? null,
          ...(made.streamed ? { duplex: 'half' } : {}),
        } as RequestInit);
      },
      { retry: body.replayable, signal: options.signal },
    );
    return response.text();
  }

  readonly pii = {
    detect: async (
      text: string,
      options: Omit<PiiDetectRequest, 'text'> = {},
    ): Promise<PiiDetectResponse> =>
      (await this.#api.POST('/v1/pii/detect', { body: { ...options, text } }))
        .data as PiiDetectResponse,
    redact: async (
      text: string,
      options: Omit<PiiRedactRequest, 'text'> = {},
    ): Promise<PiiRedactResponse> =>
      (await this.#api.POST('/v1/pii/redact', { body: { ...options, text } }))
        .data as PiiRedactResponse,
  };

  readonly webhooks = {
    create: async (webhook: WebhookCreate): Promise<WebhookCreated> =>
      (
        await this.#api.POST('/v1/webhooks', {
          body: webhook,
          headers: { 'idempotency-key': crypto.randomUUID() },
        })
      ).data as WebhookCreated,
    list: async (): Promise<WebhookList> =>
      (await this.#api.GET('/v1/webhooks')).data as WebhookList,
    get: async (id: string): Promise<Webhook> =>
      (await this.#api.GET('/v1/webhooks/{id}', { params: { path: { id } } })).data as Webhook,
    delete: async (id: string): Promise<void> => {
      await this.#api.DELETE('/v1/webhooks/{id}', { params: { path: { id } } });
    },
    deliveries: async (id: string): Promise<DeliveryList> =>
      (await this.#api.GET('/v1/webhooks/{id}/deliveries', { params: { path: { id } } }))
        .data as DeliveryList,
  };

  #url(path: string, query: Record<string, string> = {}): string {
    const url = new URL(this.baseUrl + path);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    return url.toString();
  }
}

/** POSTs that change nothing (search and the text tools): safe to send again. */
const REPEATABLE_POSTS = [
  '/v1/search',
  '/v1/rerank',
  '/v2/rerank',
  '/v1/similarity',
  '/v1/pii/detect',
  '/v1/pii/redact',
];

async function resolveFile(
  input: UploadInput,
  filename: string | undefined,
): Promise<{ name: string; source: FileSource; type: string | undefined }> {
  if (typeof input === 'string') {
    const { fileFromPath } = await import('./node.js');
    const { blob, name } = await fileFromPath(input);
    return { name: filename ?? name, source: blob, type: undefined };
  }
  if (input instanceof Blob) {
    const named = 'name' in input && typeof input.name === 'string' ? input.name : undefined;
    return { name: filename ?? named ?? 'upload', source: input, type: input.type || undefined };
  }
  return { name: filename ?? 'upload', source: input, type: undefined };
}
