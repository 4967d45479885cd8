/** The tenant's documents: filter by status, type, tag and title; sort; page through. */
import { useState } from 'preact/hooks';
import { api, formatBytes, formatDate, query, type Page, type QuireDocument } from '../api.js';
import { ErrorText, Pager, Section, StatusBadge, useCursorPages, useLoad } from '../ui.js';

const SORTS: [string, string][] = [
  ['-created_at', 'Newest first'],
  ['created_at', 'Oldest first'],
  ['title', 'Title A–Z'],
  ['-title', 'Title Z–A'],
  ['-size', 'Largest first'],
  ['size', 'Smallest first'],
];

interface Filters {
  status: string;
  media_type: string;
  tag: string;
  q: string;
  sort: string;
  limit: number;
}

export function DocumentsView() {
  const [filters, setFilters] = useState<Filters>({
    status: '',
    media_type: '',
    tag: '',
    q: '',
    sort: '-created_at',
    limit: 20,
  });
  const [draft, setDraft] = useState(filters);
  const pages = useCursorPages();
  const cursor = pages.cursor;
  const { data, error, loading } = useLoad(
    () => api<Page<QuireDocument>>('GET', `/v1/documents${query({ ...filters, cursor })}`),
    [filters, cursor],
  );

  const set = (name: keyof Filters) => (event: Event) =>
    setDraft({ ...draft, [name]: (event.currentTarget as HTMLInputElement).value });

  return (
    <Section title="Documents">
      <form
        class="filters"
        aria-label="Filter documents"
        onSubmit={(event) => {
          event.preventDefault();
          pages.restart();
          setFilters({ ...draft });
        }}
      >
        <div class="field">
          <label for="filter-q">Title starts with</label>
          <input id="filter-q" type="search" value={draft.q} onInput={set('q')} />
        </div>
        <div class="field">
          <label for="filter-status">Status</label>
          <select id="filter-status" value={draft.status} onChange={set('status')}>
            <option value="">Any</option>
            <option value="pending">pending</option>
            <option value="processing">processing</option>
            <option value="ready">ready</option>
            <option value="failed">failed</option>
          </select>
        </div>
        <div class="field">
          <label for="filter-type">Media type</label>
          <input
            id="filter-type"
            placeholder="application/pdf"
            value={draft.media_type}
            onInput={set('media_type')}
          />
        </div>
        <div class="field">
          <label for="filter-tag">Tag</label>
          <input id="filter-tag" value={draft.tag} onInput={set('tag')} />
        </div>
        <div class="field">
          <label for="filter-sort">Sort</label>
          <select id="filter-sort" value={draft.sort} onChange={set('sort')}>
            {SORTS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Apply</button>
      </form>

      <ErrorText error={error} />
      {data !== null && data.data.length === 0 && !loading && <p>No documents match.</p>}
      {data !== null && data.data.length > 0 && (
        <div class="table-scroll">
          <table>
            <caption class="visually-hidden">Documents</caption>
            <thead>
              <tr>
                <th scope="col">Title</th>
                <th scope="col">Status</th>
                <th scope="col">Type</th>
                <th scope="col" class="num">
                  Size
                </th>
                <th scope="col" class="num">
                  Pages
                </th>
                <th scope="col">Tags</th>
                <th scope="col">Added</th>
              </tr>
            </thead>
            <tbody>
              {data.data.map((doc) => (
                <tr key={doc.id} data-testid="document-row">
                  <td>
                    <a href={`#/documents/${doc.id}`}>{doc.title || doc.filename || doc.id}</a>
                  </td>
                  <td>
                    <StatusBadge status={doc.status} />
                  </td>
                  <td>{doc.media_type ?? '—'}</td>
                  <td class="num">{formatBytes(doc.size_bytes)}</td>
                  <td class="num">{doc.page_count ?? '—'}</td>
                  <td>{doc.tags.join(', ')}</td>
                  <td>{formatDate(doc.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager label="Pages of documents" pages={pages} next={data?.next_cursor} />
    </Section>
  );
}
