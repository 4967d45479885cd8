/**
 * LangChain.js on Quire: a document loader (every ready document of the caller's tenant, as
 * extracted text) and a retriever (passages from POST /v1/search). Plain `fetch`, nothing but
 * @langchain/core; copy this file into a project that has it. Quire's rerank endpoint is
 * Cohere-compatible, so @langchain/cohere's CohereRerank reranks through Quire too (see
 * search-and-rerank.ts).
 */
import { Document } from '@langchain/core/documents';
import { BaseDocumentLoader } from '@langchain/core/document_loaders/base';
import { BaseRetriever, type BaseRetrieverInput } from '@langchain/core/retrievers';

export interface QuireConnection {
  /** The server, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** An API key with the `documents:read` and `search` scopes. */
  apiKey: string;
}

/** A Quire problem+json answer, with its stable `code` (docs/errors.md). */
export class QuireError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
  ) {
    super(`Quire answered ${status} ${code}: ${detail}`);
    this.name = 'QuireError';
  }
}

async function call(
  connection: QuireConnection,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<Response> {
  const response = await fetch(new URL(path, connection.url), {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${connection.apiKey}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    signal: AbortSignal.timeout(30_000),
  });
  if (!response.ok) {
    const problem = (await response.json().catch(() => ({}))) as { code?: string; detail?: string };
    throw new QuireError(response.status, problem.code ?? 'UNKNOWN', problem.detail ?? '');
  }
  return response;
}

interface DocumentView {
  id: string;
  title: string | null;
  status: string;
  media_type: string | null;
  tags: string[];
}

/** Every ready document of the tenant (optionally only those with all of `tags`), one per Document. */
export class QuireLoader extends BaseDocumentLoader {
  constructor(
    private readonly connection: QuireConnection,
    private readonly options: { tags?: string[] } = {},
  ) {
    super();
  }

  async load(): Promise<Document[]> {
    const documents: Document[] = [];
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams({ status: 'ready', limit: '200' });
      for (const tag of this.options.tags ?? []) query.append('tag', tag);
      if (cursor !== null) query.set('cursor', cursor);
      const page = (await (await call(this.connection, `/v1/documents?${query}`)).json()) as {
        data: DocumentView[];
        next_cursor: string | null;
      };
      for (const view of page.data) {
        const content = await call(this.connection, `/v1/documents/${view.id}/content?format=text`);
        documents.push(
          new Document({
            pageContent: await content.text(),
            metadata: {
              source: `quire:${view.id}`,
              document_id: view.id,
              title: view.title,
              media_type: view.media_type,
              tags: view.tags,
            },
          }),
        );
      }
      cursor = page.next_cursor;
    } while (cursor !== null);
    return documents;
  }
}

export interface QuireRetrieverInput extends BaseRetrieverInput {
  connection: QuireConnection;
  /** Passages to return (1–100; Quire's default 10). */
  limit?: number;
  /** Only passages of documents carrying all of these Quire tags (LangChain's own `tags` label runs). */
  documentTags?: string[];
}

interface SearchResult {
  document_id: string;
  chunk_id: string;
  page: number;
  score: number;
  text: string;
}

/** Passages of the tenant's ready documents that match the query (POST /v1/search), best first. */
export class QuireRetriever extends BaseRetriever {
  override lc_namespace = ['quire', 'retrievers'];
  private readonly connection: QuireConnection;
  private readonly limit: number | undefined;
  private readonly filterTags: string[] | undefined;

  constructor(fields: QuireRetrieverInput) {
    super(fields);
    this.connection = fields.connection;
    this.limit = fields.limit;
    this.filterTags = fields.documentTags;
  }

  override async _getRelevantDocuments(query: string): Promise<Document[]> {
    const answer = await call(this.connection, '/v1/search', {
      method: 'POST',
      body: {
        query,
        ...(this.limit === undefined ? {} : { limit: this.limit }),
        ...(this.filterTags === undefined ? {} : { filters: { tags: this.filterTags } }),
      },
    });
    const { results } = (await answer.json()) as { results: SearchResult[] };
    return results.map(
      (result) =>
        new Document({
          pageContent: result.text,
          metadata: {
            source: `quire:${result.document_id}#page=${result.page}`,
            document_id: result.document_id,
            chunk_id: result.chunk_id,
            page: result.page,
            score: result.score,
          },
        }),
    );
  }
}
