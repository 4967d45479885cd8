/** Shared by the PII route tests: the app (a 1,000-byte text cap) and posting to it. */
import { buildTestApp, type TestApp } from '../../../helpers/app.js';

/** An app whose texts may be 1,000 bytes at most. */
export function buildPiiApp(): Promise<TestApp> {
  return buildTestApp({ QUIRE_MAX_TEXT_BYTES: '1000' });
}

/** Posts `payload` to `url` on `t`, as the admin unless `headers` say otherwise. */
export function poster(t: TestApp) {
  return (url: string, payload: unknown, headers: Record<string, string> = t.admin) =>
    t.app.inject({ method: 'POST', url, headers, payload: payload as Record<string, unknown> });
}
