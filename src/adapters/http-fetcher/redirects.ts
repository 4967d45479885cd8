/**
 * Redirects, followed by hand so that every hop is checked again: which answers are redirects,
 * where one leads (a valid URL that passes the URL policy, within the limit of redirects), and
 * what the request becomes on the way (no credentials to another origin than the caller named;
 * POST turned into GET where browsers do so).
 */
import { FetchError } from '../../ports/fetcher.js';
import type { AllowHosts } from './allow-hosts.js';
import type { OutgoingRequest } from './outgoing.js';
import { checkUrl } from './url-policy.js';

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Never sent to another origin than the one the caller named. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

export interface Redirect {
  status: number;
  location: string;
}

export interface RedirectPolicy {
  maxRedirects: number;
  allowHosts: AllowHosts;
}

/** A status that redirects (when the answer also names a Location). */
export function isRedirectStatus(status: number): boolean {
  return REDIRECT_STATUSES.has(status);
}

/**
 * Where a redirect answered by `from` leads, `followed` redirects into a fetch that began at
 * `start`. Throws FetchError: `upstream_status` past the limit or for a Location that is not a
 * URL, `not_allowed` for a scheme or literal address the policy forbids (the connector checks
 * the rest).
 */
export function redirectTarget(
  redirect: Redirect,
  from: URL,
  start: URL,
  followed: number,
  policy: RedirectPolicy,
): URL {
  if (followed >= policy.maxRedirects) {
    throw new FetchError(
      'upstream_status',
      `more than ${policy.maxRedirects} redirects from ${start.href}`,
      false,
      redirect.status,
    );
  }
  let next: URL;
  try {
    next = new URL(redirect.location, from);
  } catch {
    throw new FetchError(
      'upstream_status',
      `invalid redirect from ${from.href}`,
      false,
      redirect.status,
    );
  }
  return checkUrl(next, policy.allowHosts);
}

/**
 * The request to send on after a redirect of `status`: without credentials once it `leavesOrigin`
 * (the caller's), and as a GET without body after a 303, or a 301/302 answered to a POST.
 */
export function redirectedRequest(
  request: OutgoingRequest,
  status: number,
  leavesOrigin: boolean,
): OutgoingRequest {
  const headers = { ...request.headers };
  if (leavesOrigin) for (const name of CREDENTIAL_HEADERS) delete headers[name];
  if (status === 303 || ((status === 301 || status === 302) && request.method === 'POST')) {
    delete headers['content-type'];
    return { method: 'GET', headers, body: undefined };
  }
  return { method: request.method, headers, body: request.body };
}
