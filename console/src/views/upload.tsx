/**
 * Upload many files (drag-and-drop or the file picker), a URL, or pasted text. Each item shows
 * its upload bytes, then the extraction's pages from the job's event stream, then where it ended;
 * an encrypted PDF asks for its password and is reprocessed with it.
 */
import { useRef, useState } from 'preact/hooks';
import {
  api,
  ApiError,
  followJob,
  formatBytes,
  uploadFile,
  type Created,
  type Job,
} from '../api.js';
import { ErrorText, messageOf, Section } from '../ui.js';

type Phase = 'waiting' | 'uploading' | 'extracting' | 'ready' | 'failed';

interface Item {
  key: number;
  name: string;
  size: number | null;
  phase: Phase;
  sent: number;
  total: number;
  pagesDone: number;
  pagesTotal: number;
  message: string;
  documentId: string | null;
  needsPassword: boolean;
}

const PARALLEL_UPLOADS = 3;
let nextKey = 1;

export function UploadView() {
  const [items, setItems] = useState<Item[]>([]);
  const [dragging, setDragging] = useState(false);
  const [tags, setTags] = useState('');
  const picker = useRef<HTMLInputElement>(null);

  const update = (key: number, change: Partial<Item>): void =>
    setItems((all) => all.map((item) => (item.key === key ? { ...item, ...change } : item)));

  /** Follows a job to its end, showing its pages; reads the job once more if the stream drops. */
  async function watch(key: number, job: Job): Promise<void> {
    update(key, { phase: 'extracting', message: 'Extracting…' });
    let last: Job | null = job;
    try {
      last =
        (await followJob(job.id, ({ job: seen }) => {
          update(key, {
            pagesDone: seen.progress.done,
            pagesTotal: seen.progress.total,
            message:
              seen.progress.total > 0
                ? `Extracting: page ${seen.progress.done} of ${seen.progress.total}`
                : 'Extracting…',
          });
        })) ?? last;
      if (!['succeeded', 'failed', 'dead', 'cancelled'].includes(last.status))
        last = await api<Job>('GET', `/v1/jobs/${job.id}`);
    } catch (error) {
      update(key, { phase: 'failed', message: messageOf(error) });
      return;
    }
    settle(key, last);
  }

  function settle(key: number, job: Job): void {
    if (job.status === 'succeeded') {
      update(key, {
        phase: 'ready',
        pagesDone: job.progress.total,
        pagesTotal: job.progress.total,
        message: job.progress.total > 0 ? `Ready: ${pages(job.progress.total)}` : 'Ready',
      });
    } else if (job.error?.code === 'DOCUMENT_ENCRYPTED') {
      update(key, {
        phase: 'failed',
        needsPassword: true,
        message: 'This document is encrypted: give its password to extract it.',
      });
    } else {
      const reason = job.error ? `${job.error.message} (${job.error.code})` : job.status;
      const retries = job.status === 'failed' ? ' (it will be retried; see Jobs)' : '';
      update(key, { phase: 'failed', message: `Extraction ${job.status}: ${reason}${retries}` });
    }
  }

  async function created(key: number, answer: Created): Promise<void> {
    update(key, { documentId: answer.document.id, size: answer.document.size_bytes });
    if (answer.job === null) {
      update(key, {
        phase: answer.document.status === 'failed' ? 'failed' : 'ready',
        message: answer.deduplicated ? 'Already there (same content)' : answer.document.status,
      });
      return;
    }
    await watch(key, answer.job);
  }

  async function uploadOne(key: number, file: File): Promise<void> {
    update(key, { phase: 'uploading', message: 'Uploading…' });
    try {
      const answer = await uploadFile(file, {
        tags,
        onProgress: (sent, total) => update(key, { sent, total }),
      });
      update(key, { sent: file.size, total: file.size });
      await created(key, answer);
    } catch (error) {
      const message =
        error instanceof ApiError && error.code === 'PAYLOAD_TOO_LARGE'
          ? `Too large: ${error.detail}`
          : error instanceof ApiError && error.code === 'UNSUPPORTED_MEDIA_TYPE'
            ? `Not a supported format: ${error.detail}`
            : messageOf(error);
      update(key, { phase: 'failed', message });
    }
  }

  function addFiles(files: FileList | null): void {
    if (files === null || files.length === 0) return;
    const queued = [...files].map((file) => ({ file, key: nextKey++ }));
    setItems((all) => [
      ...queued.map(({ file, key }): Item => ({
        key,
        name: file.name,
        size: file.size,
        phase: 'waiting',
        sent: 0,
        total: file.size,
        pagesDone: 0,
        pagesTotal: 0,
        message: 'Waiting',
        documentId: null,
        needsPassword: false,
      })),
      ...all,
    ]);
    const pending = [...queued];
    const worker = async (): Promise<void> => {
      for (let next = pending.shift(); next !== undefined; next = pending.shift())
        await uploadOne(next.key, next.file);
    };
    for (let i = 0; i < Math.min(PARALLEL_UPLOADS, queued.length); i++) void worker();
  }

  async function ingest(name: string, body: Record<string, unknown>): Promise<void> {
    const key = nextKey++;
    setItems((all) => [
      {
        key,
        name,
        size: null,
        phase: 'uploading',
        sent: 0,
        total: 0,
        pagesDone: 0,
        pagesTotal: 0,
        message: 'Sending…',
        documentId: null,
        needsPassword: false,
      },
      ...all,
    ]);
    try {
      const tagged = tags.trim() === '' ? body : { ...body, tags: splitTags(tags) };
      await created(key, await api<Created>('POST', '/v1/documents', tagged));
    } catch (error) {
      update(key, { phase: 'failed', message: messageOf(error) });
    }
  }

  async function reprocess(item: Item, password: string): Promise<void> {
    if (item.documentId === null) return;
    update(item.key, { needsPassword: false, phase: 'extracting', message: 'Reprocessing…' });
    try {
      const { job } = await api<{ job: Job }>(
        'POST',
        `/v1/documents/${item.documentId}/reprocess`,
        { password },
      );
      await watch(item.key, job);
    } catch (error) {
      update(item.key, { phase: 'failed', needsPassword: true, message: messageOf(error) });
    }
  }

  return (
    <Section title="Upload">
      <div class="field">
        <label for="upload-tags">Tags for what you add (comma-separated, optional)</label>
        <input
          id="upload-tags"
          value={tags}
          onInput={(event) => setTags(event.currentTarget.value)}
        />
      </div>
      <div
        class={`dropzone${dragging ? ' dragging' : ''}`}
        data-testid="dropzone"
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(event) => {
          event.preventDefault();
          setDragging(false);
          addFiles(event.dataTransfer?.files ?? null);
        }}
      >
        <p>Drop files here, or</p>
        <label class="button" for="file-picker">
          Choose files
        </label>
        <input
          ref={picker}
          id="file-picker"
          class="visually-hidden"
          type="file"
          multiple
          onChange={(event) => {
            addFiles(event.currentTarget.files);
            event.currentTarget.value = '';
          }}
        />
        <p class="hint">PDF, Office, HTML, Markdown, text, e-mail, images (with OCR) and more.</p>
      </div>

      <div class="two-columns">
        <UrlForm onSubmit={(url) => ingest(url, { url })} />
        <TextForm onSubmit={(text, filename) => ingest(filename, { text, filename })} />
      </div>

      {items.length > 0 && (
        <>
          <h2>Added</h2>
          <ul class="uploads" aria-live="polite">
            {items.map((item) => (
              <UploadRow key={item.key} item={item} onPassword={(p) => reprocess(item, p)} />
            ))}
          </ul>
        </>
      )}
    </Section>
  );
}

const pages = (count: number): string => `${count} page${count === 1 ? '' : 's'}`;

function splitTags(text: string): string[] {
  return text
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '');
}

function UploadRow({ item, onPassword }: { item: Item; onPassword: (password: string) => void }) {
  const [password, setPassword] = useState('');
  const uploading = item.phase === 'uploading' || item.phase === 'waiting';
  const id = `upload-${item.key}`;
  return (
    <li class={`upload upload-${item.phase}`} data-testid="upload-item" data-phase={item.phase}>
      <div class="upload-head">
        <strong class="upload-name">
          {item.documentId !== null ? (
            <a href={`#/documents/${item.documentId}`}>{item.name}</a>
          ) : (
            item.name
          )}
        </strong>
        <span class="muted">{formatBytes(item.size)}</span>
      </div>
      {uploading ? (
        <progress aria-label={`Upload of ${item.name}`} max={item.total || 1} value={item.sent} />
      ) : item.phase === 'extracting' ? (
        <progress
          aria-label={`Extraction of ${item.name}`}
          {...(item.pagesTotal > 0 && { max: item.pagesTotal, value: item.pagesDone })}
        />
      ) : null}
      <p class={item.phase === 'failed' ? 'error' : 'muted'} data-testid="upload-status">
        {item.message}
      </p>
      {item.needsPassword && (
        <form
          class="inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            onPassword(password);
          }}
        >
          <label for={`${id}-password`}>Password for {item.name}</label>
          <input
            id={`${id}-password`}
            type="password"
            autoComplete="off"
            required
            value={password}
            onInput={(event) => setPassword(event.currentTarget.value)}
          />
          <button type="submit">Reprocess</button>
        </form>
      )}
    </li>
  );
}

function UrlForm({ onSubmit }: { onSubmit: (url: string) => void }) {
  const [url, setUrl] = useState('');
  return (
    <form
      class="card"
      onSubmit={(event) => {
        event.preventDefault();
        onSubmit(url.trim());
        setUrl('');
      }}
    >
      <h2>From a URL</h2>
      <label for="ingest-url">Address (http or https)</label>
      <input
        id="ingest-url"
        type="url"
        required
        value={url}
        onInput={(event) => setUrl(event.currentTarget.value)}
      />
      <button type="submit">Fetch</button>
    </form>
  );
}

function TextForm({ onSubmit }: { onSubmit: (text: string, filename: string) => void }) {
  const [text, setText] = useState('');
  const [filename, setFilename] = useState('note.md');
  const [error, setError] = useState<unknown>(null);
  return (
    <form
      class="card"
      onSubmit={(event) => {
        event.preventDefault();
        if (text.trim() === '') {
          setError(new Error('Paste some text first'));
          return;
        }
        setError(null);
        onSubmit(text, filename.trim() || 'note.txt');
        setText('');
      }}
    >
      <h2>From text</h2>
      <label for="ingest-filename">File name (its extension sets the format)</label>
      <input
        id="ingest-filename"
        value={filename}
        onInput={(event) => setFilename(event.currentTarget.value)}
      />
      <label for="ingest-text">Text or Markdown</label>
      <textarea
        id="ingest-text"
        rows={5}
        value={text}
        onInput={(event) => setText(event.currentTarget.value)}
      />
      <button type="submit">Add text</button>
      <ErrorText error={error} />
    </form>
  );
}
