/**
 * `POST /v1/convert` when all goes well: files in, extracted content out, through the worker pool;
 * nothing stored. Raw bodies and multipart, each output format.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { TestApp } from '../../../helpers/app.js';
import { multipart } from '../../../helpers/multipart.js';
import { buildConvertApp } from './setup.js';

describe('POST /v1/convert', () => {
  let t: TestApp;
  before(async () => {
    t = await buildConvertApp();
  });

  it('converts a raw Markdown body to text, Markdown and JSON', async () => {
    const source = '# Quarterly report\n\nRevenue **grew** by 12%.\n\n- one\n- two\n';
    const text = await t.app.inject({
      method: 'POST',
      url: '/v1/convert?to=text',
      headers: { ...t.admin, 'content-type': 'text/markdown' },
      payload: source,
    });
    assert.equal(text.statusCode, 200, text.body);
    assert.match(String(text.headers['content-type']), /^text\/plain/);
    assert.match(text.body, /Revenue grew by 12%/);
    assert.ok(!text.body.includes('**'), 'markup is gone from the text');

    const markdown = await t.app.inject({
      method: 'POST',
      url: '/v1/convert?to=markdown',
      headers: { ...t.admin, 'content-type': 'text/markdown' },
      payload: source,
    });
    assert.match(markdown.body, /\*\*grew\*\*/);

    const json = await t.app.inject({
      method: 'POST',
      url: '/v1/convert?to=json',
      headers: { ...t.admin, 'content-type': 'text/markdown' },
      payload: source,
    });
    const body = json.json() as {
      pages: { number: number; text: string }[];
      metadata: Record<string, unknown>;
    };
    assert.equal(body.pages[0]?.number, 1);
    assert.equal(body.metadata.media_type, 'text/markdown');
    assert.equal(body.metadata.title, 'Quarterly report');
  });

  it('converts a raw JSON body (not parsed as a request body) and HTML from multipart', async () => {
    const json = await t.app.inject({
      method: 'POST',
      url: '/v1/convert',
      headers: { ...t.admin, 'content-type': 'application/json' },
      payload: JSON.stringify({ customer: { name: 'Ada', city: 'London' } }),
    });
    assert.equal(json.statusCode, 200, json.body);
    assert.match(json.body, /Ada/);
    assert.match(json.body, /London/);

    const html =
      '<!doctype html><html lang="en"><head><title>Release notes</title></head><body>' +
      '<nav>Home | About</nav><article><h1>Release notes</h1><p>' +
      'Version two brings faster extraction and better search. '.repeat(20) +
      '</p></article></body></html>';
    const form = multipart([{ name: 'file', value: html, filename: 'notes.html' }]);
    const converted = await t.app.inject({
      method: 'POST',
      url: '/v1/convert?to=json',
      headers: { ...t.admin, ...form.headers },
      payload: form.payload,
    });
    assert.equal(converted.statusCode, 200, converted.body);
    const body = converted.json() as {
      pages: { text: string }[];
      metadata: Record<string, unknown>;
    };
    assert.match(body.pages.map((p) => p.text).join(' '), /faster extraction/);
    assert.equal(body.metadata.media_type, 'text/html');
  });
});
