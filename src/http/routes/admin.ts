/**
 * Administration (scope `admin`): API keys, deployment stats and the audit log. The admin scope
 * is the operator's: it manages keys of any tenant (`tenant_id`, default the caller's own).
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ApiKeyService } from '../../domain/api-keys.js';
import { REJECTION_WINDOW_MS, type RejectionStats } from '../../domain/rejection-stats.js';
import type { AuditLog } from '../../ports/audit-log.js';
import type { DocumentStore } from '../../ports/document-store.js';
import type { JobStore } from '../../ports/job-store.js';
import { actorOf, tenantOf } from '../caller.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import {
  AdminListQuery,
  ApiKeyList,
  AuditList,
  CreateApiKeyBody,
  CreatedApiKey,
  KeyIdParams,
  Stats,
} from '../schemas/admin.js';
import { AUTHENTICATED_ERRORS, problemResponse } from '../schemas/common.js';
import type { TypedApp } from '../typed-app.js';

export interface AdminRoutesOptions {
  apiKeys: ApiKeyService;
  documents: Pick<DocumentStore, 'countByStatus' | 'countPages'>;
  jobs: Pick<JobStore, 'countByStatus'>;
  audit: AuditLog;
  rejections: RejectionStats;
}

const ADMIN = { scope: 'admin', rateClass: 'admin' } as const;
const tags = ['admin'];

/** POST /v1/admin/api-keys: the key itself is in this answer only. */
function createApiKey(app: TypedApp, { apiKeys }: AdminRoutesOptions): void {
  app.post(
    '/v1/admin/api-keys',
    {
      config: ADMIN,
      schema: {
        operationId: 'admin.apiKeys.create',
        tags,
        summary: 'Create an API key (the key is in this answer only)',
        body: CreateApiKeyBody,
        response: { 201: CreatedApiKey, ...AUTHENTICATED_ERRORS },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const { key, record } = await apiKeys.create(
        {
          name: body.name,
          tenantId: body.tenant_id ?? tenantOf(request),
          scopes: body.scopes,
          rateTier: body.rate_tier ?? 'standard',
          expiresAt: body.expires_at === undefined ? null : new Date(body.expires_at).toISOString(),
        },
        actorOf(request),
      );
      reply
        .code(201)
        .header('location', `/v1/admin/api-keys/${record.id}`)
        .header('cache-control', 'no-store');
      return { ...apiKeys.view(record), key };
    },
  );
}

/** GET /v1/admin/api-keys: a page of keys, of one tenant or all. */
function listApiKeys(app: TypedApp, { apiKeys }: AdminRoutesOptions): void {
  app.get(
    '/v1/admin/api-keys',
    {
      config: ADMIN,
      schema: {
        operationId: 'admin.apiKeys.list',
        tags,
        summary: 'List API keys, newest first (never the keys themselves)',
        querystring: AdminListQuery,
        response: { 200: ApiKeyList, ...AUTHENTICATED_ERRORS },
      },
    },
    async (request) => {
      const { limit, cursor, tenant_id: tenantId } = request.query;
      const after = decodeCursor(cursor);
      const page = await apiKeys.list({
        limit,
        ...(tenantId ? { tenantId } : {}),
        ...(after ? { after } : {}),
      });
      return {
        data: page.data.map((record) => apiKeys.view(record)),
        next_cursor: encodeCursor(page.next_cursor),
      };
    },
  );
}

/** DELETE /v1/admin/api-keys/:id. */
function revokeApiKey(app: TypedApp, { apiKeys }: AdminRoutesOptions): void {
  app.delete(
    '/v1/admin/api-keys/:id',
    {
      config: ADMIN,
      schema: {
        operationId: 'admin.apiKeys.revoke',
        tags,
        summary: 'Revoke an API key (at once, on every instance)',
        params: KeyIdParams,
        response: {
          204: { type: 'null', description: 'Revoked' },
          404: problemResponse('No such key'),
          ...AUTHENTICATED_ERRORS,
        },
      },
    },
    async (request, reply) => {
      await apiKeys.revoke(request.params.id, actorOf(request));
      return reply.code(204).send(null);
    },
  );
}

/** GET /v1/admin/stats: counts across the deployment. */
function getStats(
  app: TypedApp,
  { apiKeys, documents, jobs, rejections }: AdminRoutesOptions,
): void {
  app.get(
    '/v1/admin/stats',
    {
      config: ADMIN,
      schema: {
        operationId: 'admin.stats.get',
        tags,
        summary: 'Counts across the deployment',
        response: { 200: Stats, ...AUTHENTICATED_ERRORS },
      },
    },
    async () => ({
      api_keys: { active: await apiKeys.countActive() },
      documents: {
        by_status: await documents.countByStatus(),
        pages_extracted: await documents.countPages(),
      },
      jobs: { by_status: await jobs.countByStatus() },
      rejections: { window_s: REJECTION_WINDOW_MS / 1000, by_reason: await rejections.byReason() },
    }),
  );
}

/** GET /v1/admin/audit-log: a page of audit entries, of one tenant or all. */
function listAuditLog(app: TypedApp, { audit }: AdminRoutesOptions): void {
  app.get(
    '/v1/admin/audit-log',
    {
      config: ADMIN,
      schema: {
        operationId: 'admin.auditLog.list',
        tags,
        summary:
          'Who created or revoked keys, deleted documents, changed webhooks, failed admin auth',
        querystring: AdminListQuery,
        response: { 200: AuditList, ...AUTHENTICATED_ERRORS },
      },
    },
    async (request) => {
      const { limit, cursor, tenant_id: tenantId } = request.query;
      const after = decodeCursor(cursor);
      const page = await audit.list({
        limit,
        ...(tenantId ? { tenantId } : {}),
        ...(after ? { after } : {}),
      });
      return { data: page.data, next_cursor: encodeCursor(page.next_cursor) };
    },
  );
}

export async function adminRoutes(
  plain: FastifyInstance,
  options: AdminRoutesOptions,
): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  createApiKey(app, options);
  listApiKeys(app, options);
  revokeApiKey(app, options);
  getStats(app, options);
  listAuditLog(app, options);
}
