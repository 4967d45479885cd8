/**
 * Idempotency-Key on creating POSTs (routes with `config.idempotent`). The first request with a
 * key runs and its answer (any status below 500) is kept for QUIRE_IDEMPOTENCY_TTL_S; a replay
 * with the same key and the same request gets that answer again with `Idempotent-Replayed: true`;
 * the same key with another request is 409 IDEMPOTENCY_KEY_REUSED; while the first still runs,
 * 409 CONFLICT. A 5xx releases the key so the client can retry.
 *
 * The request fingerprint is method, path, query and JSON body. A multipart upload is streamed,
 * never buffered, so its key is claimed only once its form has been read: the route hands the
 * content digest (the file's streamed SHA-256, its name and the text fields) to
 * `request.idempotentUpload`, which claims or replays then — so another file under the same key is
 * 409 IDEMPOTENCY_KEY_REUSED even at the same length, and a retry with another boundary replays.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { appendRouteHook } from '../route-hooks.js';
import fp from 'fastify-plugin';
import type { Principal } from '../../ports/principal.js';
import { AppError } from '../../errors.js';
import type { IdempotencyClaim, IdempotencyStore } from '../../ports/idempotency-store.js';

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const REPLAYED_HEADERS = ['content-type', 'location'];

interface IdempotencyState {
  tenantId: string;
  key: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: IdempotencyState | null;
    /**
     * Set on a multipart request with an Idempotency-Key: claims the key once the form is read,
     * given its content digest; resolves to the reply when it was answered from an earlier request
     * (the route then stops), undefined when this request goes on. Throws the 409s.
     */
    idempotentUpload:
      ((reply: FastifyReply, contentDigest: string) => Promise<FastifyReply | undefined>) | null;
  }
  interface FastifyContextConfig {
    /** This POST creates something: honour Idempotency-Key. */
    idempotent?: boolean;
  }
}

function fingerprint(request: FastifyRequest, contentDigest?: string): string {
  const hash = createHash('sha256').update(`${request.method} ${request.url.split('?', 1)[0]}\n`);
  if (contentDigest !== undefined) {
    hash.update(`multipart ${contentDigest}`);
  } else {
    hash.update(JSON.stringify(request.body ?? null));
  }
  hash.update(`\n${request.url.split('?', 2)[1] ?? ''}`);
  return hash.digest('hex');
}

export interface IdempotencyOptions {
  store: IdempotencyStore;
  ttlMs: number;
}

type ClaimHook = (
  request: FastifyRequest,
  reply: FastifyReply,
) => Promise<FastifyReply | undefined>;
type RecordHook = (
  request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
) => Promise<unknown>;
type ReleaseHook = (request: FastifyRequest) => Promise<void>;

/** The Idempotency-Key header when sent; a 400 when it is not 1-255 printable ASCII. */
function presentedKey(request: FastifyRequest): string | undefined {
  const key = request.headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
    throw new AppError(
      'VALIDATION_FAILED',
      'Idempotency-Key must be 1-255 printable ASCII characters',
      {
        errors: [
          {
            path: '/headers/idempotency-key',
            message: 'must be 1-255 printable ASCII characters',
          },
        ],
      },
    );
  }
  return key;
}

/** A key already claimed: its kept answer again, or 409 (another request, or still running). */
function replay(
  reply: FastifyReply,
  claim: Exclude<IdempotencyClaim, { state: 'claimed' }>,
  requestHash: string,
): FastifyReply {
  if (claim.requestHash !== requestHash) {
    throw new AppError(
      'IDEMPOTENCY_KEY_REUSED',
      'This Idempotency-Key was used with a different request',
    );
  }
  if (claim.state === 'in_progress') {
    throw new AppError(
      'CONFLICT',
      'A request with this Idempotency-Key is still being processed; retry later',
      {
        retryAfterSeconds: 1,
      },
    );
  }
  for (const [name, value] of Object.entries(claim.response.headers)) reply.header(name, value);
  return reply
    .code(claim.response.status)
    .header('idempotent-replayed', 'true')
    .send(claim.response.body);
}

/** preHandler: claims the key for this request, or answers from an earlier one. */
function keyClaim({ store, ttlMs }: IdempotencyOptions): ClaimHook {
  return async function claimKey(request, reply) {
    const key = presentedKey(request);
    if (key === undefined) return undefined;
    const tenantId = (request.principal as Principal).tenantId;
    const claimWith = async (requestHash: string): Promise<FastifyReply | undefined> => {
      const claim = await store.claim(tenantId, key, requestHash, ttlMs);
      if (claim.state === 'claimed') {
        request.idempotency = { tenantId, key };
        return undefined;
      }
      return replay(reply, claim, requestHash);
    };
    if (request.isMultipart()) {
      request.idempotentUpload = (_reply, contentDigest) =>
        claimWith(fingerprint(request, contentDigest));
      return undefined;
    }
    return claimWith(fingerprint(request));
  };
}

/** onSend: keeps a text answer below 500 for replays; a 5xx or any other body releases the key. */
function answerRecord({ store }: IdempotencyOptions): RecordHook {
  return async function recordAnswer(request, reply, payload) {
    const state = request.idempotency;
    if (state === null) return payload;
    request.idempotency = null;
    if (reply.statusCode >= 500 || typeof payload !== 'string') {
      await store.release(state.tenantId, state.key);
      return payload;
    }
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = reply.getHeader(name);
      if (value !== undefined) headers[name] = String(value);
    }
    await store.complete(state.tenantId, state.key, {
      status: reply.statusCode,
      headers,
      body: payload,
    });
    return payload;
  };
}

/** onResponse: a request that died before answering (client gone) must not hold its key forever. */
function unansweredRelease({ store }: IdempotencyOptions): ReleaseHook {
  return async function releaseUnanswered(request) {
    const state = request.idempotency;
    if (state !== null) await store.release(state.tenantId, state.key);
  };
}

async function idempotency(app: FastifyInstance, options: IdempotencyOptions): Promise<void> {
  app.decorateRequest('idempotency', null);
  app.decorateRequest('idempotentUpload', null);
  const claimKey = keyClaim(options);
  const recordAnswer = answerRecord(options);
  const releaseUnanswered = unansweredRelease(options);

  // Only routes that create things pay for this.
  app.addHook('onRoute', function attachIdempotency(route) {
    if (route.config?.idempotent !== true) return;
    appendRouteHook(route, 'preHandler', claimKey);
    appendRouteHook(route, 'onSend', recordAnswer);
    appendRouteHook(route, 'onResponse', releaseUnanswered);
  });
}

export default fp(idempotency, {
  name: 'quire-idempotency',
  fastify: '5.x',
  dependencies: ['quire-auth'],
});
