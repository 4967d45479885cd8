/**
 * The clients people already have, unmodified, against a listening Quire: the official Cohere
 * TypeScript SDK (cohere-ai 8.1.0) — its v1 client posts to /v1/rerank and its v2 client to
 * /v2/rerank (our alias) — and LangChain.js's CohereRerank (@langchain/cohere 1.0.5) with the
 * cohere-ai 7.x client it depends on, given Quire's URL through its documented `client` option.
 * That client sends `null` for every parameter left unset (`"max_chunks_per_doc": null`): a
 * recording relay in front of Quire checks that it still does, so the test keeps proving that
 * Quire takes it.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { Document } from '@langchain/core/documents';
import { CohereRerank } from '@langchain/cohere';
import { CohereClient, CohereClientV2 } from 'cohere-ai';
import { buildTestApp, TEST_ADMIN_KEY } from '../helpers/app.js';

type LangChainCohereClient = NonNullable<ConstructorParameters<typeof CohereRerank>[0]>['client'];

/** The cohere-ai that @langchain/cohere itself resolves (7.x), as its users get it. */
function langChainsCohereClient(): new (options: {
  token: string;
  environment: string;
}) => NonNullable<LangChainCohereClient> {
  const here = createRequire(import.meta.url);
  const langChain = createRequire(here.resolve('@langchain/cohere'));
  const version = (langChain('cohere-ai/package.json') as { version: string }).version;
  assert.match(version, /^7\./, 'LangChain resolves its own cohere-ai 7.x');
  return (langChain('cohere-ai') as { CohereClient: ReturnType<typeof langChainsCohereClient> })
    .CohereClient;
}

/** An HTTP relay to `target` that keeps every JSON request body it forwards. */
async function recordingRelay(
  target: string,
): Promise<{ url: string; bodies: unknown[]; server: Server }> {
  const bodies: unknown[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      if (body.length > 0) bodies.push(JSON.parse(body.toString('utf8')));
      const headers = Object.fromEntries(
        Object.entries(request.headers).filter(
          ([name, value]) =>
            typeof value === 'string' && !['host', 'content-length', 'connection'].includes(name),
        ),
      ) as Record<string, string>;
      fetch(`${target}${request.url ?? '/'}`, {
        method: request.method ?? 'POST',
        headers,
        ...(body.length > 0 ? { body } : {}),
        signal: AbortSignal.timeout(20_000),
      })
        .then(async (answer) => {
          response.writeHead(answer.status, {
            'content-type': answer.headers.get('content-type') ?? 'application/json',
          });
          response.end(Buffer.from(await answer.arrayBuffer()));
        })
        .catch((error: unknown) => {
          response.writeHead(599).end(String(error));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return { url: `http://127.0.0.1:${address.port}`, bodies, server };
}

const DOCUMENTS = [
  'Carson City is the capital city of the American state of Nevada.',
  'Washington, D.C. is the capital of the United States.',
  'Capital punishment has existed in the United States since before it was a country.',
  'The Commonwealth of the Northern Mariana Islands is a group of islands in the Pacific Ocean.',
];

describe('Cohere SDK against Quire', async () => {
  let baseUrl = '';
  let relay: Awaited<ReturnType<typeof recordingRelay>>;

  before(async () => {
    const { app } = await buildTestApp();
    baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    relay = await recordingRelay(baseUrl);
  });
  after(() => new Promise<void>((resolve) => relay.server.close(() => resolve())));

  it('CohereClient.rerank (v1) with strings, top_n and return_documents', async () => {
    const client = new CohereClient({ token: TEST_ADMIN_KEY, environment: baseUrl });
    const answer = await client.rerank(
      {
        model: 'rerank-english-v3.0',
        query: 'What is the capital of the United States?',
        documents: DOCUMENTS,
        topN: 2,
        returnDocuments: true,
      },
      { maxRetries: 0 },
    );
    assert.equal(answer.results.length, 2);
    assert.equal(answer.results[0]?.index, 1);
    assert.equal(answer.results[0]?.document?.text, DOCUMENTS[1]);
    const first = answer.results[0]?.relevanceScore ?? 0;
    assert.ok(first > 0 && first < 1);
    assert.ok(first >= (answer.results[1]?.relevanceScore ?? 0));
    assert.equal(answer.meta?.billedUnits?.searchUnits, 1);
    assert.equal(typeof answer.id, 'string');
  });

  it('CohereClient.rerank (v1) with {text} objects and rank_fields', async () => {
    const client = new CohereClient({ token: TEST_ADMIN_KEY, environment: baseUrl });
    const answer = await client.rerank(
      {
        query: 'islands in the Pacific',
        documents: DOCUMENTS.map((text) => ({ text })),
        rankFields: ['text'],
        maxChunksPerDoc: 10,
      },
      { maxRetries: 0 },
    );
    assert.equal(answer.results.length, DOCUMENTS.length);
    assert.equal(answer.results[0]?.index, 3);
    assert.equal(answer.results[0]?.document, undefined);
  });

  it('CohereClientV2.rerank posts to /v2/rerank and parses the answer', async () => {
    const client = new CohereClientV2({ token: TEST_ADMIN_KEY, environment: baseUrl });
    const answer = await client.rerank(
      {
        model: 'rerank-v3.5',
        query: 'What is the capital of the United States?',
        documents: DOCUMENTS,
        topN: 3,
        maxTokensPerDoc: 4096,
      },
      { maxRetries: 0 },
    );
    assert.equal(answer.results.length, 3);
    assert.equal(answer.results[0]?.index, 1);
    assert.equal(typeof answer.results[0]?.relevanceScore, 'number');
  });

  it('surfaces our problem+json errors as SDK errors with the status', async () => {
    const client = new CohereClient({ token: TEST_ADMIN_KEY, environment: baseUrl });
    await assert.rejects(
      client.rerank({ query: '', documents: DOCUMENTS }, { maxRetries: 0 }),
      (error: unknown) => (error as { statusCode?: number }).statusCode === 400,
    );
    const anonymous = new CohereClient({
      token: 'qk_wrong-key-000000000000000000000000000',
      environment: baseUrl,
    });
    await assert.rejects(
      anonymous.rerank({ query: 'q', documents: DOCUMENTS }, { maxRetries: 0 }),
      (error: unknown) => (error as { statusCode?: number }).statusCode === 401,
    );
  });

  it('LangChain CohereRerank.compressDocuments, with its own cohere-ai 7.x client, keeps the best passages', async () => {
    const Client = langChainsCohereClient();
    const reranker = new CohereRerank({
      model: 'rerank-english-v3.0',
      topN: 2,
      client: new Client({ token: TEST_ADMIN_KEY, environment: relay.url }),
    });
    const passages = DOCUMENTS.map(
      (pageContent, i) => new Document({ pageContent, metadata: { source: `doc-${i}` } }),
    );
    const compressed = await reranker.compressDocuments(
      passages,
      'What is the capital of the United States?',
    );
    assert.deepEqual(
      compressed.map((document) => document.metadata['source']),
      ['doc-1', 'doc-2'],
    );
    const score = compressed[0]?.metadata['relevanceScore'] as number;
    assert.ok(score > 0 && score < 1, `relevanceScore ${score}`);
    // What made this fail with a 400 before: the unset parameter arrives as null.
    const sent = relay.bodies.at(-1) as Record<string, unknown>;
    assert.equal(sent['max_chunks_per_doc'], null, JSON.stringify(sent));
    assert.equal(sent['top_n'], 2);
  });

  it('LangChain CohereRerank.rerank with the cohere-ai 8.1.0 client and an unknown model', async () => {
    const reranker = new CohereRerank({
      model: 'rerank-v3.5',
      topN: 3,
      client: new CohereClient({
        token: TEST_ADMIN_KEY,
        environment: relay.url,
      }) as unknown as LangChainCohereClient,
    });
    const ranked = await reranker.rerank(DOCUMENTS, 'islands in the Pacific');
    assert.equal(ranked.length, 3);
    assert.equal(ranked[0]?.index, 3);
    await assert.rejects(
      reranker.rerank(DOCUMENTS, 'islands', { model: 'command-r-plus' }),
      (error: unknown) => {
        const { statusCode, body } = error as { statusCode?: number; body?: { code?: string } };
        return statusCode === 400 && body?.code === 'UNKNOWN_MODEL';
      },
    );
  });
});
