/** Shared by the convert route tests: the app they convert with. */
import { buildTestApp, type TestApp } from '../../../helpers/app.js';

/** An app with a 200,000-byte upload cap and one extraction thread. */
export function buildConvertApp(): Promise<TestApp> {
  return buildTestApp({ QUIRE_MAX_UPLOAD_BYTES: '200000', QUIRE_EXTRACTION_WORKERS: '1' });
}
