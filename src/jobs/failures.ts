/**
 * The job boundary's one translation from exceptions to failures: whatever a handler throws
 * becomes the job's `error` ({code, message, retryable}) here, with codes from the failure
 * registry (src/ports/failures.ts). The HTTP boundary's counterpart is the error-handler plugin.
 */
import { AppError } from '../errors.js';
import { FetchError } from '../ports/fetcher.js';
import { Failure, type JobFailure } from '../ports/failures.js';
import { errorChain } from '../shared/error-chain.js';

/**
 * What `error` means for the job. `unexpected` is the handler's word for an error nobody
 * classified (a bug or an unforeseen library error): retried, since it may be transient.
 */
export function jobFailureOf(error: unknown, unexpected: JobFailure): JobFailure {
  if (error instanceof Failure) return error.toJSON();
  if (error instanceof FetchError) return downloadFailure(error);
  if (error instanceof AppError) {
    // HTTP words that mean something else for a job's document.
    if (error.code === 'UNSUPPORTED_MEDIA_TYPE')
      return { code: 'UNSUPPORTED_FORMAT', message: error.detail, retryable: false };
    if (error.code === 'VALIDATION_FAILED')
      return { code: 'UNPROCESSABLE_DOCUMENT', message: error.detail, retryable: false };
    return { code: error.code, message: error.detail, retryable: error.retryable };
  }
  return unexpected;
}

/** A URL download that failed: refused, too large, or FETCH_FAILED (retried when it may pass). */
function downloadFailure(error: FetchError): JobFailure {
  if (error.kind === 'not_allowed')
    return { code: 'URL_NOT_ALLOWED', message: error.message, retryable: false };
  if (error.kind === 'too_large')
    return { code: 'PAYLOAD_TOO_LARGE', message: error.message, retryable: false };
  return { code: 'FETCH_FAILED', message: error.message, retryable: error.retryable };
}

function errorCode(error: unknown): string | undefined {
  for (const each of errorChain(error)) {
    const code = (each as { code?: unknown }).code;
    if (typeof code === 'string' && !code.startsWith('QUIRE_')) return code;
  }
  return undefined;
}

/**
 * Why a webhook POST got no answer, in words that name no address: the receiver is the tenant's,
 * but what a host name resolves to inside our network is not theirs to learn.
 */
export function receiverFailure(error: unknown, timeoutMs: number): Failure {
  if (!(error instanceof FetchError))
    return new Failure('INTERNAL', 'The delivery failed unexpectedly');
  switch (error.kind) {
    case 'not_allowed':
      return new Failure(
        'URL_NOT_ALLOWED',
        'The webhook URL leads to an address that is not allowed (SSRF guard)',
      );
    case 'timeout':
      return new Failure('TIMEOUT', `The receiver did not answer within ${timeoutMs} ms`);
    case 'circuit_open':
      return new Failure(
        'UPSTREAM_FAILED',
        'The receiver failed repeatedly; not connecting for now (circuit open)',
      );
    default: {
      // TLS and certificate failures too: the receiver may fix them within the retry window.
      const code = errorCode(error);
      return new Failure(
        'UPSTREAM_FAILED',
        `Could not reach the receiver${code === undefined ? '' : ` (${code})`}`,
      );
    }
  }
}

/** A receiver that answered, but not with a 2xx. */
export function receiverStatusFailure(status: number): Failure {
  const redirect = status >= 300 && status < 400;
  return new Failure(
    'UPSTREAM_FAILED',
    `The receiver answered ${status}${redirect ? ' (redirects are not followed)' : ''}`,
  );
}
