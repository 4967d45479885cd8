/** Types named after the server's own, read from the generated OpenAPI types (never copied). */
import type { operations } from './generated/openapi.js';

type Json<Op extends keyof operations, Status extends number> = operations[Op] extends {
  responses: { [S in Status]: { content: { 'application/json': infer Body } } };
}
  ? Body
  : never;
type JsonBody<Op extends keyof operations> = operations[Op] extends {
  requestBody?: { content: { 'application/json': infer Body } };
}
  ? Body
  : never;
type Query<Op extends keyof operations> = NonNullable<operations[Op]['parameters']['query']>;

export type Document = Json<'documents.get', 200>;
export type DocumentList = Json<'documents.list', 200>;
export type DocumentListQuery = Query<'documents.list'>;
export type DocumentUpdate = JsonBody<'documents.update'>;
export type Created = Json<'documents.create', 202> | Json<'documents.create', 200>;
export type BatchItem = JsonBody<'documents.createBatch'>['items'][number];
export type BatchResult = Json<'documents.createBatch', 202>;
export type ContentQuery = Query<'documents.content.get'>;
export type Job = Json<'jobs.get', 200>;
export type JobList = Json<'jobs.list', 200>;
export type JobListQuery = Query<'jobs.list'>;
export type SearchRequest = JsonBody<'search.query'>;
export type SearchResponse = Json<'search.query', 200>;
export type RerankRequest = JsonBody<'rerank.create'>;
export type RerankResponse = Json<'rerank.create', 200>;
export type SimilarityRequest = JsonBody<'similarity.create'>;
export type SimilarityResponse = Json<'similarity.create', 200>;
export type PiiDetectRequest = JsonBody<'pii.detect'>;
export type PiiDetectResponse = Json<'pii.detect', 200>;
export type PiiRedactRequest = JsonBody<'pii.redact'>;
export type PiiRedactResponse = Json<'pii.redact', 200>;
export type WebhookCreate = JsonBody<'webhooks.create'>;
export type WebhookCreated = Json<'webhooks.create', 201>;
export type Webhook = Json<'webhooks.get', 200>;
export type WebhookList = Json<'webhooks.list', 200>;
export type DeliveryList = Json<'webhooks.deliveries.list', 200>;
export type ConvertTarget = NonNullable<Query<'convert.document'>['to']>;
