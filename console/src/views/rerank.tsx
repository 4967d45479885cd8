/** The rerank playground: a query and pasted passages, scored by the chosen method. */
import { useState } from 'preact/hooks';
import { api, type RerankAnswer } from '../api.js';
import { DegradedBadge, ErrorText, MethodSelect, Section } from '../ui.js';

export function RerankView() {
  const [text, setText] = useState('');
  const [documents, setDocuments] = useState('');
  const [method, setMethod] = useState('lexical');
  const [answer, setAnswer] = useState<(RerankAnswer & { latency_ms: number }) | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    const passages = documents
      .split(/\n\s*\n|\n/)
      .map((passage) => passage.trim())
      .filter((passage) => passage !== '');
    if (passages.length === 0) {
      setError(new Error('Paste at least one passage, one per line'));
      return;
    }
    const started = performance.now();
    try {
      const found = await api<RerankAnswer>('POST', '/v1/rerank', {
        query: text,
        documents: passages,
        method,
        return_documents: true,
      });
      setAnswer({ ...found, latency_ms: Math.round(performance.now() - started) });
      setError(null);
    } catch (caught) {
      setError(caught);
    }
  }

  return (
    <Section title="Rerank playground">
      <form class="stack" onSubmit={submit}>
        <div class="field">
          <label for="rerank-query">Query</label>
          <input
            id="rerank-query"
            required
            value={text}
            onInput={(event) => setText(event.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="rerank-documents">Passages, one per line</label>
          <textarea
            id="rerank-documents"
            rows={6}
            value={documents}
            onInput={(event) => setDocuments(event.currentTarget.value)}
          />
        </div>
        <MethodSelect id="rerank-method" label="Method" value={method} onChange={setMethod} />
        <button type="submit">Rerank</button>
      </form>
      <ErrorText error={error} />
      {answer !== null && (
        <>
          <p class="muted" role="status" data-testid="rerank-meta">
            method {answer.meta.method}
            {answer.meta.model ? ` (${answer.meta.model})` : ''} · server {answer.meta.took_ms} ms ·
            round trip {answer.latency_ms} ms
            {answer.meta.degraded && <DegradedBadge />}
          </p>
          <div class="table-scroll">
            <table>
              <caption class="visually-hidden">Passages by score</caption>
              <thead>
                <tr>
                  <th scope="col" class="num">
                    Score
                  </th>
                  <th scope="col" class="num">
                    #
                  </th>
                  <th scope="col">Passage</th>
                </tr>
              </thead>
              <tbody>
                {answer.results.map((result) => (
                  <tr key={result.index} data-testid="rerank-row">
                    <td class="num">{result.relevance_score.toFixed(4)}</td>
                    <td class="num">{result.index + 1}</td>
                    <td>{result.document?.text}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </Section>
  );
}
