/**
 * One document: its metadata, its extracted Markdown page by page (rendered and sanitised,
 * optionally with PII redacted), and — for a key that may write — download, reprocess and delete.
 */
import { Fragment } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Access } from '../app.js';
import {
  api,
  apiText,
  download,
  formatBytes,
  formatDate,
  query,
  type Job,
  type QuireDocument,
} from '../api.js';
import { renderMarkdown } from '../markdown.js';
import {
  ErrorText,
  messageOf,
  navigate,
  Section,
  StatusBadge,
  useLoad,
  type Route,
} from '../ui.js';

export function DocumentView({ id, route, access }: { id: string; route: Route; access: Access }) {
  const {
    data: doc,
    error,
    reload,
  } = useLoad(() => api<QuireDocument>('GET', `/v1/documents/${encodeURIComponent(id)}`), [id]);
  const page = route.params.get('page') ?? '';
  const [redact, setRedact] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);

  // While extraction runs, look again every 2 s.
  useEffect(() => {
    if (doc === null || doc.status === 'ready' || doc.status === 'failed') return;
    const timer = setTimeout(reload, 2000);
    return () => clearTimeout(timer);
  }, [doc]);

  if (error !== null)
    return (
      <Section title="Document">
        <ErrorText error={error} />
      </Section>
    );
  if (doc === null)
    return (
      <Section title="Document">
        <p>Loading…</p>
      </Section>
    );

  const setPage = (value: string): void =>
    navigate(`/documents/${id}${value === '' ? '' : `?page=${value}`}`);

  return (
    <Section title={doc.title || doc.filename || doc.id}>
      <p>
        <a href="#/documents">← All documents</a>
      </p>
      <dl class="meta">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={doc.status} />
          {doc.error && <span class="error"> {doc.error.message}</span>}
        </dd>
        <dt>Type</dt>
        <dd>{doc.media_type ?? '—'}</dd>
        <dt>Size</dt>
        <dd>{formatBytes(doc.size_bytes)}</dd>
        <dt>Pages</dt>
        <dd>{doc.page_count ?? '—'}</dd>
        <dt>Tags</dt>
        <dd>{doc.tags.length > 0 ? doc.tags.join(', ') : '—'}</dd>
        <dt>Source</dt>
        <dd>{doc.source.url ?? doc.source.type}</dd>
        <dt>Added</dt>
        <dd>{formatDate(doc.created_at)}</dd>
        {Object.entries(doc.extracted)
          .filter(([, value]) => typeof value === 'string' || typeof value === 'number')
          .map(([name, value]) => (
            <Fragment key={name}>
              <dt>{name.replace(/_/g, ' ')}</dt>
              <dd>{String(value)}</dd>
            </Fragment>
          ))}
      </dl>

      <div class="actions">
        <button
          type="button"
          onClick={() =>
            download(`/v1/documents/${doc.id}/file`, doc.filename ?? `${doc.id}`).catch(
              setActionError,
            )
          }
        >
          Download original
        </button>
        {access.can('documents:write') && (
          <>
            <Reprocess
              doc={doc}
              onDone={(job) => {
                setNotice(`Reprocessing (job ${job.id}).`);
                reload();
              }}
              onError={setActionError}
            />
            <Delete doc={doc} onDeleted={() => navigate('/documents')} onError={setActionError} />
          </>
        )}
      </div>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <ErrorText error={actionError} />

      <h2>Content</h2>
      {doc.status !== 'ready' ? (
        <p>The content is there once extraction is done (status {doc.status}).</p>
      ) : (
        <>
          <div class="content-controls">
            <div class="field">
              <label for="content-page">Page</label>
              <select
                id="content-page"
                value={page}
                onChange={(event) => setPage(event.currentTarget.value)}
              >
                <option value="">All pages</option>
                {Array.from({ length: doc.page_count ?? 0 }, (_, i) => (
                  <option key={i} value={String(i + 1)}>
                    Page {i + 1}
                  </option>
                ))}
              </select>
            </div>
            <label class="check">
              <input
                type="checkbox"
                checked={redact}
                onChange={(event) => setRedact(event.currentTarget.checked)}
              />
              Redact personal data (PII)
            </label>
          </div>
          <Content id={doc.id} page={page} redact={redact} />
        </>
      )}
    </Section>
  );
}

function Content({ id, page, redact }: { id: string; page: string; redact: boolean }) {
  // The text shown stays until the next one arrives: it is labelled with the page it is, not the
  // page asked for (a page chosen while all pages still show would otherwise be claimed early).
  const { data, error, loading } = useLoad(
    async () => ({
      page,
      markdown: await apiText(
        `/v1/documents/${id}/content${query({ format: 'markdown', pages: page, redact: redact ? 'pii' : '' })}`,
      ),
    }),
    [id, page, redact],
  );
  if (error !== null) return <ErrorText error={error} />;
  if (data === null) return <p>Loading…</p>;
  return (
    <article
      class="markdown"
      aria-busy={loading}
      aria-label={data.page === '' ? 'Extracted content' : `Extracted content, page ${data.page}`}
      data-testid="content"
      // Sanitised by DOMPurify in renderMarkdown.
      dangerouslySetInnerHTML={{ __html: renderMarkdown(data.markdown) }}
    />
  );
}

function Reprocess({
  doc,
  onDone,
  onError,
}: {
  doc: QuireDocument;
  onDone: (job: Job) => void;
  onError: (error: unknown) => void;
}) {
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState('');
  if (!open)
    return (
      <button type="button" onClick={() => setOpen(true)}>
        Reprocess…
      </button>
    );
  return (
    <form
      class="inline-form"
      onSubmit={(event) => {
        event.preventDefault();
        api<{ job: Job }>(
          'POST',
          `/v1/documents/${doc.id}/reprocess`,
          password === '' ? {} : { password },
        ).then(({ job }) => {
          setOpen(false);
          onDone(job);
        }, onError);
      }}
    >
      <label for="reprocess-password">Password (encrypted PDFs only)</label>
      <input
        id="reprocess-password"
        type="password"
        autoComplete="off"
        value={password}
        onInput={(event) => setPassword(event.currentTarget.value)}
      />
      <button type="submit">Reprocess</button>
      <button type="button" class="secondary" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </form>
  );
}

function Delete({
  doc,
  onDeleted,
  onError,
}: {
  doc: QuireDocument;
  onDeleted: () => void;
  onError: (error: unknown) => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const confirm = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) confirm.current?.focus();
  }, [confirming]);
  if (!confirming)
    return (
      <button type="button" class="danger" onClick={() => setConfirming(true)}>
        Delete…
      </button>
    );
  return (
    <div class="confirm" role="alertdialog" aria-labelledby="delete-question">
      <p id="delete-question">
        Delete “{doc.title || doc.id}”, its file, content and index entries? This cannot be undone.
      </p>
      <button
        ref={confirm}
        type="button"
        class="danger"
        onClick={() =>
          api('DELETE', `/v1/documents/${doc.id}`).then(onDeleted, (error: unknown) =>
            onError(new Error(messageOf(error))),
          )
        }
      >
        Delete for good
      </button>
      <button type="button" class="secondary" onClick={() => setConfirming(false)}>
        Keep it
      </button>
    </div>
  );
}
