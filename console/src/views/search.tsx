/**
 * Search the tenant's ready documents: passages with their page and highlighted words, each
 * linking to its page; optional rerank, whose `degraded` answer (no model) is shown.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api, type SearchAnswer, type SearchResult } from '../api.js';
import { DegradedBadge, ErrorText, MethodSelect, Section } from '../ui.js';

export function SearchView() {
  const [text, setText] = useState('');
  const [limit, setLimit] = useState(10);
  const [rerank, setRerank] = useState(false);
  const [method, setMethod] = useState('hybrid');
  const [answer, setAnswer] = useState<SearchAnswer | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    setBusy(true);
    try {
      setAnswer(
        await api<SearchAnswer>('POST', '/v1/search', {
          query: text,
          limit,
          ...(rerank && { rerank: { method, top_n: limit } }),
        }),
      );
      setError(null);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Section title="Search">
      <form class="filters" role="search" onSubmit={submit}>
        <div class="field grow">
          <label for="search-query">Search for</label>
          <input
            id="search-query"
            type="search"
            required
            value={text}
            onInput={(event) => setText(event.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="search-limit">Results</label>
          <input
            id="search-limit"
            type="number"
            min={1}
            max={100}
            value={limit}
            onInput={(event) => setLimit(Number(event.currentTarget.value) || 10)}
          />
        </div>
        <label class="check">
          <input
            type="checkbox"
            checked={rerank}
            onChange={(event) => setRerank(event.currentTarget.checked)}
          />
          Rerank
        </label>
        {rerank && (
          <MethodSelect
            id="search-method"
            label="Rerank method"
            value={method}
            onChange={setMethod}
          />
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Searching…' : 'Search'}
        </button>
      </form>
      <ErrorText error={error} />
      {answer !== null && (
        <>
          <p class="muted" role="status" data-testid="search-meta">
            {answer.results.length} results · method {answer.meta.method} · {answer.meta.took_ms} ms
            {answer.meta.degraded && <DegradedBadge />}
          </p>
          <ol class="results">
            {answer.results.map((result) => (
              <Result key={result.chunk_id} result={result} />
            ))}
          </ol>
        </>
      )}
    </Section>
  );
}

function Result({ result }: { result: SearchResult }) {
  const href = `#/documents/${result.document_id}${result.page === null ? '' : `?page=${result.page}`}`;
  return (
    <li class="result" data-testid="search-result">
      <p>
        <Highlighted text={result.text} highlights={result.highlights} />
      </p>
      <p class="muted">
        <a href={href}>{result.page === null ? 'Open the document' : `Page ${result.page}`}</a> ·
        score {result.score.toFixed(3)}
      </p>
    </li>
  );
}

/** The passage with its matching words in <mark>. */
function Highlighted({ text, highlights }: Pick<SearchResult, 'text' | 'highlights'>) {
  const parts: ComponentChildren[] = [];
  let at = 0;
  for (const { start, end } of highlights) {
    if (start < at) continue;
    parts.push(text.slice(at, start), <mark key={start}>{text.slice(start, end)}</mark>);
    at = end;
  }
  parts.push(text.slice(at));
  return <>{parts}</>;
}
