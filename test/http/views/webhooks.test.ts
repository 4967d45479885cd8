/** How a webhook delivery is shown: its status follows its job's (pending, failed, delivered). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deliveryView } from '../../../src/http/views/webhooks.js';
import type { DeliveryWithJob } from '../../../src/ports/webhook-store.js';

describe('deliveryView', () => {
  const base: DeliveryWithJob = {
    id: 'dlv_1',
    tenant_id: 'acme',
    webhook_id: 'whk_1',
    event: 'document.ready',
    data: {},
    request_id: null,
    job_id: 'job_1',
    status: 'pending',
    attempts: 2,
    response_status: 500,
    error: { code: 'UPSTREAM_FAILED', message: 'The receiver answered 500' },
    created_at: '2026-01-01T00:00:00.000Z',
    delivered_at: null,
    last_attempt_at: '2026-01-01T00:00:01.000Z',
    job_status: 'queued',
    job_next_attempt_at: '2026-01-01T00:00:21.000Z',
  };

  it('a queued retry is pending with its next attempt', () => {
    const view = deliveryView(base);
    assert.equal(view.status, 'pending');
    assert.equal(view.next_attempt_at, base.job_next_attempt_at);
    assert.equal(view.error?.code, 'UPSTREAM_FAILED');
    assert.equal('tenant_id' in view || 'data' in view, false);
  });

  it('a dead job retried through the jobs API makes a failed delivery pending again', () => {
    assert.equal(
      deliveryView({ ...base, status: 'failed', job_status: 'queued' }).status,
      'pending',
    );
  });

  it('a cancelled job leaves its delivery failed', () => {
    const view = deliveryView({ ...base, error: null, job_status: 'cancelled' });
    assert.equal(view.status, 'failed');
    assert.equal(view.error?.code, 'CANCELLED');
    assert.equal(view.next_attempt_at, undefined);
  });

  it('a delivered one shows no error', () => {
    const view = deliveryView({
      ...base,
      status: 'delivered',
      response_status: 200,
      delivered_at: '2026-01-01T00:00:02.000Z',
      job_status: 'succeeded',
    });
    assert.deepEqual(
      [view.status, view.error, view.response_status],
      ['delivered', undefined, 200],
    );
  });
});
