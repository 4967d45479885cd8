/**
 * The one place errors become responses: every 4xx/5xx leaves as RFC 9457 problem+json with a
 * catalogue code and the request id. Unknown routes answer 404, known paths with another method
 * 405 with `Allow`. A 5xx never carries a stack or an internal message: the detail is generic
 * and the real error goes to the log, under the same request id.
 */
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { REQUEST_ID_HEADER } from './request-id.js';
import { SECURITY_HEADERS } from './security-headers.js';
import Router, { type HTTPMethod } from 'find-my-way';
import { AppError, toProblem, type FieldError } from '../../errors.js';
import { ERROR_CATALOGUE, type ErrorCode } from '../../ports/failures.js';
import { errorChain } from '../../shared/error-chain.js';
import { lingerThenClose } from '../lingering-close.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';
const INTERNAL_DETAIL =
  'An unexpected error occurred. It has been logged; quote the request id when reporting it.';

interface AjvError {
  keyword?: string;
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** `pending, ready` for an error message: strings bare, anything else as JSON. */
function listValues(values: unknown[]): string {
  return values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
}

/**
 * ajv reports a union of literals (`status: 'a' | 'b' | …`) as one "must be equal to constant" per
 * branch and then "must match a schema in anyOf": one entry listing the allowed values says it
 * better. Likewise `enum` gets its values listed instead of "the allowed values".
 */
function mergeLiteralUnions(issues: AjvError[]): AjvError[] {
  const merged: AjvError[] = [];
  for (const issue of issues) {
    if (issue.keyword === 'anyOf') {
      let first = merged.length;
      while (
        first > 0 &&
        merged[first - 1]?.keyword === 'const' &&
        merged[first - 1]?.instancePath === issue.instancePath
      )
        first--;
      const branches = merged.splice(first);
      if (branches.length > 0) {
        const values = branches.map((branch) => branch.params?.allowedValue);
        merged.push({ ...issue, message: `must be one of: ${listValues(values)}` });
        continue;
      }
    }
    if (issue.keyword === 'enum' && Array.isArray(issue.params?.allowedValues)) {
      merged.push({
        ...issue,
        message: `must be one of: ${listValues(issue.params.allowedValues)}`,
      });
      continue;
    }
    merged.push(issue);
  }
  return merged;
}

function validationErrors(error: FastifyError): FieldError[] {
  const context = error.validationContext ?? 'body';
  return mergeLiteralUnions(error.validation ?? []).map((issue: AjvError) => {
    let path = `/${context}${issue.instancePath ?? ''}`;
    const missing = issue.params?.missingProperty;
    const extra = issue.params?.additionalProperty;
    if (typeof missing === 'string') path += `/${missing}`;
    if (typeof extra === 'string')
      return { path: `${path}/${extra}`, message: 'is not a known field' };
    return { path, message: issue.message ?? 'is invalid' };
  });
}

const CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = {
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  408: 'REQUEST_TIMEOUT',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  431: 'REQUEST_HEADERS_TOO_LARGE',
  503: 'OVERLOADED',
  504: 'TIMEOUT',
};

/**
 * busboy's words for a multipart body that is not well formed: a Content-Type without a boundary,
 * or a body that ends mid-part or before its closing boundary. It gives them no code.
 */
const MALFORMED_MULTIPART =
  /^(Multipart: Boundary not found|Unexpected end of multipart data|\w+ terminated early due to unexpected end of multipart data)$/;

/** Whether `error`, or what it wraps, is busboy refusing the body. */
function isMalformedMultipart(error: unknown): boolean {
  for (const each of errorChain(error)) if (MALFORMED_MULTIPART.test(each.message)) return true;
  return false;
}

/** Recognises an error from reaching a dependency (database, Redis): a 503, not a bug. */
export type DependencyFailureTest = (error: unknown) => boolean;

export interface ErrorHandlerOptions {
  /** Given by the composition root: only the adapters know how their clients fail. */
  isDependencyFailure: DependencyFailureTest;
}

/**
 * Turns anything thrown into an AppError: a dependency's failure is DEPENDENCY_UNAVAILABLE, and
 * what is not a known client error is INTERNAL.
 */
export function toAppError(error: unknown, isDependencyFailure: DependencyFailureTest): AppError {
  if (error instanceof AppError) return error;
  if (isMalformedMultipart(error)) {
    return new AppError('VALIDATION_FAILED', '/body is not well-formed multipart/form-data', {
      errors: [{ path: '/body', message: 'is not well-formed multipart/form-data' }],
      cause: error,
    });
  }
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.validation !== undefined) {
    const errors = validationErrors(fastifyError as FastifyError);
    const detail = errors.map((e) => `${e.path} ${e.message}`).join('; ') || 'Request is invalid';
    return new AppError('VALIDATION_FAILED', detail, { errors, cause: error });
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = CODE_BY_STATUS[status] ?? 'VALIDATION_FAILED';
    // Fastify's own client-error messages describe the request, never server internals.
    return new AppError(code, fastifyError.message ?? ERROR_CATALOGUE[code].title, {
      cause: error,
    });
  }
  if (isDependencyFailure(error)) {
    return new AppError(
      'DEPENDENCY_UNAVAILABLE',
      'A service this request needs is unreachable; retry shortly',
      {
        retryAfterSeconds: 2,
        cause: error,
      },
    );
  }
  return new AppError('INTERNAL', INTERNAL_DETAIL, { cause: error });
}

export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  error: AppError,
): FastifyReply {
  reply.problemCode = error.code;
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  if (error.retryAfterSeconds !== undefined)
    reply.header('retry-after', String(error.retryAfterSeconds));
  // A problem is never checked against the route's response schemas: a route that declares its
  // own body for 503 (/health) would otherwise fail to serialize a 503 problem and answer 500.
  return reply
    .code(error.status)
    .type(PROBLEM_CONTENT_TYPE)
    .serializer(JSON.stringify)
    .send(toProblem(error, request.url.split('?', 1)[0] ?? request.url, request.id));
}

/**
 * Fastify's `frameworkErrors`: the router refused the URL before any route or hook ran (bad
 * percent-encoding, a path parameter past its limit). Answered as problem+json with the request
 * id and the security headers, like every other answer.
 */
export function handleFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  reply.header(REQUEST_ID_HEADER, request.id).headers(SECURITY_HEADERS);
  const appError =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new AppError('URI_TOO_LONG', 'A path segment of this URL is too long')
      : new AppError('VALIDATION_FAILED', 'The URL is not valid (bad percent-encoding)', {
          errors: [{ path: '/url', message: 'is not a valid URL' }],
        });
  return sendProblem(request, reply, appError);
}

/**
 * Fastify's `clientErrorHandler`: errors the HTTP parser raises before a request exists
 * (malformed request line, headers too large, request timeout). Answered as problem+json too.
 */
export function handleClientError(error: Error & { code?: string }, socket: Socket): void {
  // Already answered: the parser raises again on each chunk still arriving; the lingering close
  // below deals with those bytes.
  if (answeredClientErrors.has(socket)) return;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const code: ErrorCode =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? 'REQUEST_HEADERS_TOO_LARGE'
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 'REQUEST_TIMEOUT'
        : 'VALIDATION_FAILED';
  const requestId = randomUUID();
  const problem = toProblem(
    new AppError(
      code,
      code === 'VALIDATION_FAILED' ? 'Malformed HTTP request' : ERROR_CATALOGUE[code].title,
    ),
    '/',
    requestId,
  );
  const body = JSON.stringify(problem);
  socket.write(
    `HTTP/1.1 ${problem.status} ${problem.title}\r\n` +
      `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Request-ID: ${requestId}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
  // The rest of an over-long request line or header block may still be arriving: ending the
  // socket now would reset the connection and could destroy the answer before it is read (the
  // fuzzer saw three such connections closed without an answer). The parser no longer reads it.
  answeredClientErrors.add(socket);
  socket.removeAllListeners('data');
  lingerThenClose(socket, socket);
}

/** Sockets whose parser error has been answered (their remaining bytes are being drained). */
const answeredClientErrors = new WeakSet<Socket>();

async function errorHandler(
  app: FastifyInstance,
  { isDependencyFailure }: ErrorHandlerOptions,
): Promise<void> {
  app.decorateReply('problemCode', null);
  // A shadow router of every registered path, to tell "no such path" (404) from
  // "path exists with other methods" (405, with Allow).
  const routes = Router();
  app.addHook('onRoute', function recordRoute(route) {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'OPTIONS') continue; // CORS preflight answers OPTIONS on every path.
      if (!routes.hasRoute(method as HTTPMethod, route.url)) {
        routes.on(method as HTTPMethod, route.url, () => undefined, { pattern: route.url });
      }
    }
  });

  function allowedMethods(method: string, url: string): string[] {
    const path = url.split('?', 1)[0] ?? url;
    // A route that takes this method found nothing (a static file that is not there): a 404.
    if (routes.find(method as HTTPMethod, path) !== null) return [];
    const allowed = new Set<string>();
    for (const candidate of ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const) {
      if (candidate === method) continue;
      if (routes.find(candidate, path) !== null) allowed.add(candidate);
    }
    return [...allowed];
  }

  function routeNotFound(method: string, url: string): AppError {
    const allowed = allowedMethods(method, url);
    if (allowed.length > 0) {
      return new AppError('METHOD_NOT_ALLOWED', `${method} is not allowed here`, {
        headers: { allow: allowed.join(', ') },
      });
    }
    return new AppError('NOT_FOUND', `No route ${method} ${url.split('?', 1)[0]}`);
  }

  // Answer unknown routes before their body is read or parsed: a POST of bad JSON to a path
  // that takes no POST is a 405, not a 400, and costs no parsing.
  app.addHook('onRequest', function rejectUnknownRoute(request, _reply, done) {
    done(request.is404 ? routeNotFound(request.method, request.url) : undefined);
  });
  app.setNotFoundHandler(function notFound(request, reply) {
    return sendProblem(request, reply, routeNotFound(request.method, request.url));
  });

  app.setErrorHandler(function handleError(error, request, reply) {
    const appError = toAppError(error, isDependencyFailure);
    if (appError.status === 503 && error instanceof AppError) {
      // Refused on purpose (no model, overloaded, shutting down, a store failing closed): an
      // expected condition the code and detail explain; a stack would say nothing more.
      request.log.warn({ code: appError.code, detail: appError.detail }, 'request refused');
    } else if (appError.status >= 500) {
      request.log.error(
        // Headers help debugging; their secrets are redacted by the logger (src/logger.ts).
        {
          err: error,
          code: appError.code,
          trace_id: request.trace?.traceId,
          method: request.method,
          url: request.url,
          headers: request.headers,
        },
        'request failed',
      );
    } else {
      request.log.debug({ code: appError.code, detail: appError.detail }, 'request rejected');
    }
    return sendProblem(request, reply, appError);
  });
}

export default fp(errorHandler, { name: 'quire-error-handler', fastify: '5.x' });
