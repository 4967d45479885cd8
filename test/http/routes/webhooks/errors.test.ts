/** Webhooks through HTTP refused: invalid subscriptions (400 with a path), over 20 (409). */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { TestApp } from '../../../helpers/app.js';
import { assertProblem } from '../../../helpers/problem.js';
import { startWebhookApp, type WebhookApp } from './setup.js';

describe('webhooks: subscriptions refused', () => {
  let t: TestApp;
  let as: WebhookApp['as'];
  let createHook: WebhookApp['createHook'];
  before(async () => {
    ({ t, as, createHook } = await startWebhookApp());
  });

  it('validates the request: 400 with paths, 409 past 20 webhooks', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ url: 'not a url', events: ['document.ready'] }, '/body/url'],
      [{ url: 'http://', events: ['document.ready'] }, '/body/url'],
      [{ url: 'ftp://example.com/hook', events: ['document.ready'] }, '/body/url'],
      [{ url: `https://example.com/${'a'.repeat(2040)}`, events: ['job.dead'] }, '/body/url'],
      [{ url: 'https://example.com/', events: ['document.deleted'] }, '/body/events/0'],
      [{ url: 'https://example.com/', events: [] }, '/body/events'],
      [{ url: 'https://example.com/', events: ['job.dead', 'job.dead'] }, '/body/events'],
      [{ url: 'https://example.com/' }, '/body/events'],
      [{ url: 'https://example.com/', events: ['job.dead'], secret: 'short' }, '/body/secret'],
      [
        { url: 'https://example.com/', events: ['job.dead'], secret: 'has spaces in it ok' },
        '/body/secret',
      ],
    ];
    for (const [payload, path] of cases) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/webhooks',
        headers: await as('wh-valid'),
        payload,
      });
      const problem = assertProblem(response, 400, 'VALIDATION_FAILED');
      const errors = problem.errors as { path: string }[];
      assert.equal(errors[0]?.path, path, JSON.stringify(payload).slice(0, 100));
    }
    for (let i = 0; i < 20; i++)
      await createHook('wh-valid', { url: `https://example.com/hook/${i}`, events: ['job.dead'] });
    const over = await t.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: await as('wh-valid'),
      payload: { url: 'https://example.com/hook/21', events: ['job.dead'] },
    });
    assertProblem(over, 409, 'CONFLICT');
  });
});
