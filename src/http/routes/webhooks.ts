/**
 * Webhooks: subscribe a URL to events, list and delete subscriptions, and see how deliveries
 * went. Creating and deleting take `documents:write` (a webhook sends the tenant's document
 * events out), reading takes `documents:read`. Routes shape; WebhookSubscriptions decides.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { WebhookSubscriptions } from '../../domain/webhooks/subscriptions.js';
import { actorOf, tenantOf } from '../caller.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { AUTHENTICATED_ERRORS, problemResponse } from '../schemas/common.js';
import {
  CreatedWebhook,
  CreateWebhookBody,
  DeliveryList,
  WebhookIdParams,
  WebhookList,
  WebhookListQuery,
  WebhookView,
} from '../schemas/webhooks.js';
import type { TypedApp } from '../typed-app.js';
import { deliveryView, webhookView } from '../views/webhooks.js';

export interface WebhookRoutesOptions {
  webhooks: WebhookSubscriptions;
}

const READ = { scope: 'documents:read', rateClass: 'read' } as const;
const WRITE = { scope: 'documents:write', rateClass: 'write' } as const;
const tags = ['webhooks'];

/** POST /v1/webhooks: the signing secret is in this answer only. */
function createWebhook(app: TypedApp, { webhooks }: WebhookRoutesOptions): void {
  app.post(
    '/v1/webhooks',
    {
      config: { ...WRITE, idempotent: true },
      schema: {
        operationId: 'webhooks.create',
        tags,
        summary: 'Subscribe a URL to events (the signing secret is in this answer only)',
        body: CreateWebhookBody,
        response: {
          201: CreatedWebhook,
          409: problemResponse('The tenant has 20 webhooks already (CONFLICT)'),
          422: problemResponse('The URL is refused by the SSRF guard (URL_NOT_ALLOWED)'),
          ...AUTHENTICATED_ERRORS,
        },
      },
    },
    async (request, reply) => {
      const { webhook, secret } = await webhooks.create(
        tenantOf(request),
        request.body,
        actorOf(request),
      );
      reply
        .code(201)
        .header('location', `/v1/webhooks/${webhook.id}`)
        .header('cache-control', 'no-store');
      return { ...webhookView(webhook), secret };
    },
  );
}

/** GET /v1/webhooks: a page, newest first. */
function listWebhooks(app: TypedApp, { webhooks }: WebhookRoutesOptions): void {
  app.get(
    '/v1/webhooks',
    {
      config: READ,
      schema: {
        operationId: 'webhooks.list',
        tags,
        summary: 'List webhooks, newest first (never their secrets)',
        querystring: WebhookListQuery,
        response: { 200: WebhookList, ...AUTHENTICATED_ERRORS },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const page = await webhooks.list(tenantOf(request), limit, decodeCursor(cursor) ?? null);
      return { data: page.data.map(webhookView), next_cursor: encodeCursor(page.next_cursor) };
    },
  );
}

/** GET /v1/webhooks/:id. */
function getWebhook(app: TypedApp, { webhooks }: WebhookRoutesOptions): void {
  app.get(
    '/v1/webhooks/:id',
    {
      config: READ,
      schema: {
        operationId: 'webhooks.get',
        tags,
        summary: 'Get a webhook (never its secret)',
        params: WebhookIdParams,
        response: {
          200: WebhookView,
          404: problemResponse('No such webhook'),
          ...AUTHENTICATED_ERRORS,
        },
      },
    },
    async (request) => webhookView(await webhooks.get(tenantOf(request), request.params.id)),
  );
}

/** DELETE /v1/webhooks/:id, with its deliveries. */
function deleteWebhook(app: TypedApp, { webhooks }: WebhookRoutesOptions): void {
  app.delete(
    '/v1/webhooks/:id',
    {
      config: WRITE,
      schema: {
        operationId: 'webhooks.delete',
        tags,
        summary: 'Delete a webhook and its deliveries (queued ones are not sent)',
        params: WebhookIdParams,
        response: {
          204: { type: 'null', description: 'Deleted' },
          404: problemResponse('No such webhook'),
          ...AUTHENTICATED_ERRORS,
        },
      },
    },
    async (request, reply) => {
      await webhooks.delete(tenantOf(request), request.params.id, actorOf(request));
      return reply.code(204).send(null);
    },
  );
}

/** GET /v1/webhooks/:id/deliveries: a page, newest first. */
function listDeliveries(app: TypedApp, { webhooks }: WebhookRoutesOptions): void {
  app.get(
    '/v1/webhooks/:id/deliveries',
    {
      config: READ,
      schema: {
        operationId: 'webhooks.deliveries.list',
        tags,
        summary: 'A webhook’s deliveries, newest first: status, attempts, last answer or error',
        params: WebhookIdParams,
        querystring: WebhookListQuery,
        response: {
          200: DeliveryList,
          404: problemResponse('No such webhook'),
          ...AUTHENTICATED_ERRORS,
        },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const page = await webhooks.deliveries(
        tenantOf(request),
        request.params.id,
        limit,
        decodeCursor(cursor) ?? null,
      );
      return { data: page.data.map(deliveryView), next_cursor: encodeCursor(page.next_cursor) };
    },
  );
}

export async function webhookRoutes(
  plain: FastifyInstance,
  options: WebhookRoutesOptions,
): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  createWebhook(app, options);
  listWebhooks(app, options);
  getWebhook(app, options);
  deleteWebhook(app, options);
  listDeliveries(app, options);
}
