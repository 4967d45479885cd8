import assert from 'node:assert/strict';
import type { ErrorCode } from '../../src/ports/failures.js';

interface ResponseLike {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

/** Asserts an RFC 9457 problem+json answer with the given status and code; returns the body. */
export function assertProblem(
  response: ResponseLike,
  status: number,
  code: ErrorCode,
): Record<string, unknown> {
  assert.equal(response.statusCode, status, `status (body: ${response.body.slice(0, 300)})`);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  const body = JSON.parse(response.body) as Record<string, unknown>;
  assert.equal(body.status, status);
  assert.equal(body.code, code);
  for (const field of ['type', 'title', 'detail', 'instance', 'request_id']) {
    assert.equal(typeof body[field], 'string', `problem.${field} is a string`);
  }
  assert.equal(body.request_id, response.headers['x-request-id'], 'request_id matches the header');
  return body;
}
