/** `POST /v1/convert` refused: bad input as clear 4xx problems, and no scratch files left. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { TestApp } from '../../../helpers/app.js';
import { GIF_BYTES, multipart, PNG_BYTES } from '../../../helpers/multipart.js';
import { assertProblem } from '../../../helpers/problem.js';
import { buildConvertApp } from './setup.js';

describe('POST /v1/convert: bad input', () => {
  let t: TestApp;
  before(async () => {
    t = await buildConvertApp();
  });

  it('answers bad input with clear 4xx problems and leaves no scratch files', async () => {
    const gif = await t.app.inject({
      method: 'POST',
      url: '/v1/convert',
      headers: { ...t.admin, 'content-type': 'image/gif' },
      payload: GIF_BYTES,
    });
    assertProblem(gif, 415, 'UNSUPPORTED_MEDIA_TYPE');

    // An image with OCR off: what is missing, not an empty conversion.
    const png = await t.app.inject({
      method: 'POST',
      url: '/v1/convert',
      headers: { ...t.admin, 'content-type': 'image/png' },
      payload: PNG_BYTES,
    });
    assertProblem(png, 422, 'OCR_REQUIRED');

    const corrupt = await t.app.inject({
      method: 'POST',
      url: '/v1/convert',
      headers: { ...t.admin, 'content-type': 'application/pdf' },
      payload: Buffer.from('%PDF-1.7\n this is not really a PDF at all'),
    });
    assertProblem(corrupt, 422, 'UNPROCESSABLE_DOCUMENT');

    const empty = await t.app.inject({
      method: 'POST',
      url: '/v1/convert',
      headers: { ...t.admin, 'content-type': 'text/plain' },
      payload: '',
    });
    assertProblem(empty, 400, 'VALIDATION_FAILED');

    const tooBig = await t.app.inject({
      method: 'POST',
      url: '/v1/convert',
      headers: { ...t.admin, 'content-type': 'text/plain' },
      payload: 'x'.repeat(300_000),
    });
    assertProblem(tooBig, 413, 'PAYLOAD_TOO_LARGE');

    const noFile = multipart([{ name: 'password', value: 'secret' }]);
    assertProblem(
      await t.app.inject({
        method: 'POST',
        url: '/v1/convert',
        headers: { ...t.admin, ...noFile.headers },
        payload: noFile.payload,
      }),
      400,
      'VALIDATION_FAILED',
    );

    const badFormat = await t.app.inject({
      method: 'POST',
      url: '/v1/convert?to=docx',
      headers: { ...t.admin, 'content-type': 'text/plain' },
      payload: 'hello',
    });
    assertProblem(badFormat, 400, 'VALIDATION_FAILED');

    const { readdirSync, existsSync } = await import('node:fs');
    const tmp = `${t.dataDir}/tmp`;
    const left = existsSync(tmp)
      ? readdirSync(tmp).filter((name) => name.startsWith('convert-'))
      : [];
    assert.deepEqual(left, [], 'scratch files are removed');
  });
});
