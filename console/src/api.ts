/**
 * Quire's HTTP API as the console uses it: same-origin fetch with the signed-in key in the
 * Authorization header, problem+json errors as ApiError, uploads through XMLHttpRequest (for
 * upload progress) and a job's Server-Sent Events read from a fetch stream (EventSource cannot
 * send the Authorization header).
 */

const KEY_STORAGE = 'quire.console.key';

/** The signed-in key lives in sessionStorage only: gone when the tab closes, never in a URL. */
export const session = {
  key: (): string | null => sessionStorage.getItem(KEY_STORAGE),
  set: (key: string): void => sessionStorage.setItem(KEY_STORAGE, key),
  clear: (): void => sessionStorage.removeItem(KEY_STORAGE),
};

export type Scope = 'documents:read' | 'documents:write' | 'search' | 'admin';

export interface Whoami {
  tenant_id: string;
  kind: 'api_key' | 'jwt' | 'auth_off';
  actor: string;
  scopes: Scope[];
}

export type DocumentStatus = 'pending' | 'processing' | 'ready' | 'failed';

export interface QuireDocument {
  id: string;
  title: string;
  status: DocumentStatus;
  media_type: string | null;
  size_bytes: number | null;
  filename: string | null;
  page_count: number | null;
  tags: string[];
  metadata: Record<string, unknown>;
  source: { type: 'upload' | 'url' | 'text'; url?: string };
  extracted: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  error?: { code: string; message: string };
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'dead';

export interface Job {
  id: string;
  type: string;
  status: JobStatus;
  document_id: string | null;
  attempts: number;
  max_attempts: number;
  progress: { done: number; total: number; unit: string };
  error?: { code: string; message: string; retryable: boolean };
  created_at: string;
  finished_at?: string;
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export interface Created {
  document: QuireDocument;
  job: Job | null;
  deduplicated?: boolean;
}

export interface SearchResult {
  document_id: string;
  chunk_id: string;
  page: number | null;
  score: number;
  text: string;
  highlights: { start: number; end: number }[];
}

export interface SearchAnswer {
  results: SearchResult[];
  meta: { method: string; took_ms: number; degraded: boolean };
}

export interface RerankAnswer {
  results: { index: number; relevance_score: number; document?: { text: string } }[];
  meta: { method: string; model?: string | null; degraded: boolean; took_ms: number };
}

/** An RFC 9457 problem from the API (or a network failure, status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'ApiError';
  }
}

function authHeaders(): Record<string, string> {
  const key = session.key();
  return key === null ? {} : { authorization: `Bearer ${key}` };
}

function problemFrom(status: number, text: string): ApiError {
  try {
    const body = JSON.parse(text) as { code?: string; detail?: string; title?: string };
    return new ApiError(status, body.code ?? 'ERROR', body.detail ?? body.title ?? text);
  } catch {
    return new ApiError(status, 'ERROR', text || `HTTP ${status}`);
  }
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: {
        ...authHeaders(),
        accept: 'application/json',
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'Quire could not be reached; check the connection');
  }
  const text = await response.text();
  if (!response.ok) throw problemFrom(response.status, text);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/** GET a text answer (Markdown content). */
export async function apiText(path: string): Promise<string> {
  const response = await fetch(path, { headers: authHeaders() });
  const text = await response.text();
  if (!response.ok) throw problemFrom(response.status, text);
  return text;
}

/** Who a key is, checked against the API without keeping it. */
export async function whoamiWith(key: string): Promise<Whoami> {
  const response = await fetch('/v1/whoami', { headers: { authorization: `Bearer ${key}` } });
  const text = await response.text();
  if (!response.ok) throw problemFrom(response.status, text);
  return JSON.parse(text) as Whoami;
}

export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params))
    if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

export interface UploadOptions {
  tags?: string;
  password?: string;
  onProgress: (loaded: number, total: number) => void;
}

/** POST /v1/documents with one file, reporting the bytes sent. */
export function uploadFile(file: File, options: UploadOptions): Promise<Created> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    if (options.tags) form.append('tags', options.tags);
    if (options.password) form.append('password', options.password);
    form.append('file', file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/v1/documents');
    for (const [name, value] of Object.entries(authHeaders())) xhr.setRequestHeader(name, value);
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) options.onProgress(event.loaded, event.total);
    });
    xhr.addEventListener('load', () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve(JSON.parse(xhr.responseText) as Created);
      else reject(problemFrom(xhr.status, xhr.responseText));
    });
    xhr.addEventListener('error', () =>
      reject(new ApiError(0, 'NETWORK', 'The upload was interrupted')),
    );
    xhr.send(form);
  });
}

export interface JobEvent {
  event: string;
  job: Job;
}

/**
 * Reads GET /v1/jobs/{id}/events until the job settles or `signal` aborts, calling `onEvent` for
 * each event. Returns the last job seen.
 */
export async function followJob(
  id: string,
  onEvent: (event: JobEvent) => void,
  signal?: AbortSignal,
): Promise<Job | null> {
  const response = await fetch(`/v1/jobs/${encodeURIComponent(id)}/events`, {
    headers: { ...authHeaders(), accept: 'text/event-stream' },
    ...(signal !== undefined && { signal }),
  });
  if (!response.ok || response.body === null)
    throw problemFrom(response.status, await response.text());
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let last: Job | null = null;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return last;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      let data = '';
      for (const line of frame.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data += line.slice(5).trim();
      }
      if (data === '') continue;
      last = JSON.parse(data) as Job;
      onEvent({ event, job: last });
    }
  }
}

/** GET with the key, saved to disk under `filename` (an <a download> cannot send headers). */
export async function download(path: string, filename: string): Promise<void> {
  const response = await fetch(path, { headers: authHeaders() });
  if (!response.ok) throw problemFrom(response.status, await response.text());
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '—';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function formatDate(iso: string | undefined): string {
  if (iso === undefined) return '—';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
