/**
 * Retrieval on Quire with LangChain.js, as a script:
 *
 *   QUIRE_URL=http://127.0.0.1:8080 QUIRE_API_KEY=qk_… npx tsx examples/langchain/search-and-rerank.ts "your question" [--top 3] [--json]
 *
 * 1. QuireLoader loads the tenant's ready documents (their extracted text) — what you would feed
 *    a vector store or a summariser;
 * 2. QuireRetriever finds candidate passages with Quire's search;
 * 3. LangChain's own CohereRerank compressor (@langchain/cohere, unmodified) keeps the best few,
 *    scored by Quire's Cohere-compatible POST /v1/rerank: the Cohere client is simply given
 *    Quire's URL. This is what ContextualCompressionRetriever does with a base retriever and a
 *    compressor, written out so each step shows.
 */
import { CohereRerank } from '@langchain/cohere';
import { CohereClient } from 'cohere-ai';
import { parseArgs } from 'node:util';
import { QuireLoader, QuireRetriever, type QuireConnection } from './quire.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: 'string', default: '3' },
    candidates: { type: 'string', default: '20' },
    json: { type: 'boolean', default: false },
  },
});
const query = positionals.join(' ').trim();
const url = process.env['QUIRE_URL'];
const apiKey = process.env['QUIRE_API_KEY'];
if (query === '' || !url || !apiKey) {
  console.error(
    'usage: QUIRE_URL=… QUIRE_API_KEY=… search-and-rerank.ts "question" [--top N] [--candidates N] [--json]',
  );
  process.exit(2);
}
const connection: QuireConnection = { url, apiKey };

const documents = await new QuireLoader(connection).load();
const titles = new Map(
  documents.map((document) => [
    document.metadata['document_id'] as string,
    document.metadata['title'] as string | null,
  ]),
);

const retriever = new QuireRetriever({ connection, limit: Number(values.candidates) });
const candidates = await retriever.invoke(query);

// Quire answers Cohere model names with its own scorer (docs/api.md, "Model names").
const reranker = new CohereRerank({
  model: 'rerank-english-v3.0',
  topN: Number(values.top),
  // @langchain/cohere 1.x depends on cohere-ai 7; beside a cohere-ai 8 (as in Quire's repo) the
  // two copies' types differ though the client works alike: the cast bridges them. With one copy
  // (`npm i cohere-ai@7`, as README.md says) it is not needed.
  client: new CohereClient({
    token: apiKey,
    environment: url,
  }) as unknown as CohereRerank['client'],
});
const best = await reranker.compressDocuments(candidates, query);

const passages = best.map((passage) => ({
  document_id: passage.metadata['document_id'] as string,
  title: titles.get(passage.metadata['document_id'] as string) ?? null,
  page: passage.metadata['page'] as number,
  relevance_score: passage.metadata['relevanceScore'] as number,
  text: passage.pageContent,
}));

if (values.json) {
  process.stdout.write(
    `${JSON.stringify({ query, documents: documents.length, candidates: candidates.length, passages })}\n`,
  );
} else {
  process.stdout.write(`Loaded ${documents.length} documents from Quire.\n`);
  process.stdout.write(
    `Search found ${candidates.length} passages for "${query}"; the best ${passages.length}:\n`,
  );
  passages.forEach((passage, i) => {
    const text = passage.text.length > 160 ? `${passage.text.slice(0, 157)}...` : passage.text;
    process.stdout.write(
      `${i + 1}. ${passage.title ?? passage.document_id} (page ${passage.page}, score ${passage.relevance_score.toFixed(3)})\n   ${text.replaceAll('\n', ' ')}\n`,
    );
  });
}
