/** The job boundary's one translation from exceptions to job failures, and the registry's retry rule. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../src/errors.js';
import { FetchError } from '../../src/ports/fetcher.js';
import { Failure, isRetryable, type JobFailure } from '../../src/ports/failures.js';
import { jobFailureOf, receiverFailure, receiverStatusFailure } from '../../src/jobs/failures.js';

const UNEXPECTED: JobFailure = { code: 'INTERNAL', message: 'unexpected', retryable: true };

describe('the failure registry', () => {
  it('takes retry from the code unless the failure says otherwise', () => {
    assert.equal(new Failure('WORKER_CRASHED', 'x').retryable, true);
    assert.equal(new Failure('DOCUMENT_CORRUPT', 'x').retryable, false);
    assert.equal(new Failure('FETCH_FAILED', 'x', { retryable: false }).retryable, false);
    assert.equal(isRetryable('TIMEOUT'), true);
    assert.equal(isRetryable('CANCELLED'), false);
  });

  it('serialises a failure as the job error record', () => {
    assert.equal(
      JSON.stringify(new Failure('CANCELLED', 'The job was cancelled')),
      '{"code":"CANCELLED","message":"The job was cancelled","retryable":false}',
    );
  });
});

describe('jobFailureOf', () => {
  it('keeps a Failure as thrown', () => {
    assert.deepEqual(jobFailureOf(new Failure('EXTRACTION_TIMEOUT', 'slow'), UNEXPECTED), {
      code: 'EXTRACTION_TIMEOUT',
      message: 'slow',
      retryable: true,
    });
  });

  it('names a download failure by its kind, keeping whether it may pass later', () => {
    const of = (error: FetchError): JobFailure => jobFailureOf(error, UNEXPECTED);
    assert.deepEqual(of(new FetchError('not_allowed', 'private address', false)), {
      code: 'URL_NOT_ALLOWED',
      message: 'private address',
      retryable: false,
    });
    assert.equal(of(new FetchError('too_large', 'big', false)).code, 'PAYLOAD_TOO_LARGE');
    assert.deepEqual(of(new FetchError('upstream_status', 'answered 404', false, 404)), {
      code: 'FETCH_FAILED',
      message: 'answered 404',
      retryable: false,
    });
    assert.equal(of(new FetchError('network', 'reset', true)).retryable, true);
  });

  it('turns HTTP words into what they mean for a job', () => {
    const unsupported = new AppError('UNSUPPORTED_MEDIA_TYPE', 'image/png is not supported');
    assert.deepEqual(jobFailureOf(unsupported, UNEXPECTED), {
      code: 'UNSUPPORTED_FORMAT',
      message: 'image/png is not supported',
      retryable: false,
    });
    const empty = new AppError('VALIDATION_FAILED', 'The body is empty');
    assert.equal(jobFailureOf(empty, UNEXPECTED).code, 'UNPROCESSABLE_DOCUMENT');
    const down = new AppError('DEPENDENCY_UNAVAILABLE', 'database down');
    assert.deepEqual(jobFailureOf(down, UNEXPECTED), {
      code: 'DEPENDENCY_UNAVAILABLE',
      message: 'database down',
      retryable: true,
    });
  });

  it('answers the handler’s own word for anything else', () => {
    assert.equal(jobFailureOf(new TypeError('bug'), UNEXPECTED), UNEXPECTED);
    assert.equal(jobFailureOf('thrown string', UNEXPECTED), UNEXPECTED);
  });
});

describe('webhook receiver failures', () => {
  it('never name the address a host resolved to', () => {
    const refused = new FetchError(
      'network',
      'connect ECONNREFUSED 10.1.2.3:443',
      true,
      undefined,
      {
        cause: Object.assign(new Error('connect ECONNREFUSED 10.1.2.3:443'), {
          code: 'ECONNREFUSED',
        }),
      },
    );
    const failure = receiverFailure(refused, 1000);
    assert.equal(failure.code, 'UPSTREAM_FAILED');
    assert.equal(failure.message, 'Could not reach the receiver (ECONNREFUSED)');
    assert.equal(failure.retryable, true);
  });

  it('name the deadline, the guard and the open circuit', () => {
    assert.equal(
      receiverFailure(new FetchError('timeout', 't', true), 250).message,
      'The receiver did not answer within 250 ms',
    );
    const guarded = receiverFailure(new FetchError('not_allowed', 'n', false), 250);
    assert.deepEqual([guarded.code, guarded.retryable], ['URL_NOT_ALLOWED', false]);
    assert.equal(
      receiverFailure(new FetchError('circuit_open', 'c', true), 250).code,
      'UPSTREAM_FAILED',
    );
    assert.equal(receiverFailure(new Error('bug'), 250).code, 'INTERNAL');
  });

  it('say a redirect is not followed', () => {
    assert.equal(receiverStatusFailure(500).message, 'The receiver answered 500');
    assert.equal(
      receiverStatusFailure(302).message,
      'The receiver answered 302 (redirects are not followed)',
    );
  });
});
