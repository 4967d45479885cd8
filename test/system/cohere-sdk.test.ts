/**
 * The official Cohere TypeScript SDK (cohere-ai 8.1.0) against a listening Quire: its v1 client
 * posts to /v1/rerank and its v2 client to /v2/rerank (our alias); both must send a request our
 * schema takes and parse our answer.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { CohereClient, CohereClientV2 } from 'cohere-ai';
import { buildTestApp, TEST_ADMIN_KEY } from '../helpers/app.js';

const DOCUMENTS = [
  'Carson City is the capital city of the American state of Nevada.',
  'Washington, D.C. is the capital of the United States.',
  'Capital punishment has existed in the United States since before it was a country.',
  'The Commonwealth of the Northern Mariana Islands is a group of islands in the Pacific Ocean.',
];

describe('Cohere SDK against Quire', async () => {
  let baseUrl = '';

  before(async () => {
    const { app } = await buildTestApp();
    baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  });

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
});
