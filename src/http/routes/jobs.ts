/**
 * Jobs: list, read, follow (Server-Sent Events), cancel and retry. `dead` jobs stay listed —
 * the dead-letter queue — until retried or deleted with their document.
 */
import { Readable } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { JobEvent, JobService } from '../../domain/jobs.js';
import { AppError } from '../../errors.js';
import { tenantOf } from '../caller.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { AUTHENTICATED_ERRORS, problemResponse } from '../schemas/common.js';
import { JobView } from '../schemas/documents.js';
import { JobAccepted, JobIdParams, JobList, JobListQuery } from '../schemas/jobs.js';
import type { TypedApp } from '../typed-app.js';
import { jobView } from '../views/jobs.js';

export interface JobRoutesOptions {
  jobs: JobService;
  /** How often an event stream looks at its job. */
  eventPollMs: number;
  /** Event streams open at once in this process; more answer 503 OVERLOADED. */
  maxStreams: number;
}

/** The event streams this plugin has open now (checked against `maxStreams`). */
interface OpenStreams {
  count: number;
}

const READ = { scope: 'documents:read', rateClass: 'read' } as const;
const WRITE = { scope: 'documents:write', rateClass: 'write' } as const;
const tags = ['jobs'];
/** A comment line keeps proxies from closing a quiet stream. */
const KEEP_ALIVE_MS = 15_000;

function sseFrame({ event, job }: JobEvent): string {
  return `event: ${event}\nid: ${job.id}:${job.attempts}:${job.progress.done}\ndata: ${JSON.stringify(jobView(job))}\n\n`;
}

/**
 * A job's events as SSE frames, with a keep-alive comment whenever KEEP_ALIVE_MS pass without
 * one. `finish` runs when the stream ends, however it ends (settled job, client gone, error).
 */
async function* sseFrames(
  events: AsyncIterable<JobEvent>,
  finish: () => void,
): AsyncGenerator<string> {
  try {
    const iterator = events[Symbol.asyncIterator]();
    let next = iterator.next();
    for (;;) {
      let keepAlive: NodeJS.Timeout | undefined;
      const tick = new Promise<'tick'>((resolve) => {
        keepAlive = setTimeout(() => resolve('tick'), KEEP_ALIVE_MS);
      });
      const result = await Promise.race([next, tick]);
      clearTimeout(keepAlive);
      if (result === 'tick') {
        yield ': keep-alive\n\n';
        continue;
      }
      if (result.done === true) return;
      yield sseFrame(result.value);
      next = iterator.next();
    }
  } finally {
    finish();
  }
}

/** GET /v1/jobs: a filtered page, newest first. */
function listJobs(app: TypedApp, options: JobRoutesOptions): void {
  const { jobs } = options;
  app.get(
    '/v1/jobs',
    {
      config: READ,
      schema: {
        operationId: 'jobs.list',
        tags,
        summary: 'List jobs, newest first (filter by status — e.g. `dead` — type, document)',
        querystring: JobListQuery,
        response: { 200: JobList, ...AUTHENTICATED_ERRORS },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      const page = await jobs.list(tenantOf(request), filter, limit, decodeCursor(cursor) ?? null);
      return { data: page.data.map(jobView), next_cursor: encodeCursor(page.next_cursor) };
    },
  );
}

/** GET /v1/jobs/:id. */
function getJob(app: TypedApp, options: JobRoutesOptions): void {
  const { jobs } = options;
  app.get(
    '/v1/jobs/:id',
    {
      config: READ,
      schema: {
        operationId: 'jobs.get',
        tags,
        summary: 'Get a job: status, attempts, progress, error',
        params: JobIdParams,
        response: { 200: JobView, 404: problemResponse('No such job'), ...AUTHENTICATED_ERRORS },
      },
    },
    async (request) => jobView(await jobs.get(tenantOf(request), request.params.id)),
  );
}

/** GET /v1/jobs/:id/events: the job's events as Server-Sent Events until it settles. */
function followJob(app: TypedApp, options: JobRoutesOptions, streams: OpenStreams): void {
  const { jobs } = options;
  app.get(
    '/v1/jobs/:id/events',
    {
      config: READ,
      // Events must reach the client as they happen, not when a compressor's buffer fills.
      compress: false,
      schema: {
        operationId: 'jobs.events.stream',
        tags,
        summary:
          'Follow a job (Server-Sent Events): `progress`, then `succeeded`, `failed` or `cancelled`; the stream ends when the job settles',
        params: JobIdParams,
        response: {
          200: {
            description: 'text/event-stream; each `data` is the job as GET /v1/jobs/{id} shows it',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          404: problemResponse('No such job'),
          503: problemResponse('Too many event streams open (OVERLOADED)'),
          ...AUTHENTICATED_ERRORS,
        },
      },
    },
    async (request, reply) => {
      const tenantId = tenantOf(request);
      await jobs.get(tenantId, request.params.id); // 404 before the stream starts
      if (streams.count >= options.maxStreams) {
        throw new AppError('OVERLOADED', 'Too many job event streams are open; try again later', {
          headers: { 'retry-after': '5' },
        });
      }
      streams.count++;
      const closed = new AbortController();
      request.raw.once('close', () => closed.abort());
      const events = jobs.events(tenantId, request.params.id, options.eventPollMs, closed.signal);
      const frames = sseFrames(events, () => {
        streams.count--;
        closed.abort();
      });
      return reply
        .header('content-type', 'text/event-stream; charset=utf-8')
        .header('cache-control', 'no-cache')
        .header('x-accel-buffering', 'no')
        .send(Readable.from(frames));
    },
  );
}

/** POST /v1/jobs/:id/cancel. */
function cancelJob(app: TypedApp, options: JobRoutesOptions): void {
  const { jobs } = options;
  app.post(
    '/v1/jobs/:id/cancel',
    {
      config: WRITE,
      schema: {
        operationId: 'jobs.cancel',
        tags,
        summary: 'Cancel a queued or running job (a running extraction stops within 2 s)',
        params: JobIdParams,
        response: {
          202: JobAccepted,
          404: problemResponse('No such job'),
          409: problemResponse('The job has already finished (CONFLICT)'),
          ...AUTHENTICATED_ERRORS,
        },
      },
    },
    async (request, reply) => {
      const job = await jobs.cancel(tenantOf(request), request.params.id);
      return reply.code(202).send({ job: jobView(job) });
    },
  );
}

/** POST /v1/jobs/:id/retry. */
function retryJob(app: TypedApp, options: JobRoutesOptions): void {
  const { jobs } = options;
  app.post(
    '/v1/jobs/:id/retry',
    {
      config: WRITE,
      schema: {
        operationId: 'jobs.retry',
        tags,
        summary: 'Queue a failed, dead or cancelled job again, with fresh attempts',
        params: JobIdParams,
        response: {
          202: JobAccepted,
          404: problemResponse('No such job'),
          409: problemResponse('The job is not failed, dead or cancelled (CONFLICT)'),
          ...AUTHENTICATED_ERRORS,
        },
      },
    },
    async (request, reply) => {
      const job = await jobs.retry(tenantOf(request), request.params.id);
      return reply.code(202).send({ job: jobView(job) });
    },
  );
}

export async function jobRoutes(plain: FastifyInstance, options: JobRoutesOptions): Promise<void> {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  listJobs(app, options);
  getJob(app, options);
  followJob(app, options, { count: 0 });
  cancelJob(app, options);
  retryJob(app, options);
}
