/**
 * What a delivery attempt sends: the JSON body, and headers signed with the webhook's secret
 * (`Quire-Signature`, timestamped, so a receiver can refuse replays).
 */
import { createHmac } from 'node:crypto';
import type { DeliveryRecord } from '../../ports/webhook-store.js';

const USER_AGENT = 'Quire-Webhooks/1';

/** `Quire-Signature`: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
export function signatureHeader(secret: string, timestampS: number, body: string): string {
  const v1 = createHmac('sha256', secret).update(`${timestampS}.${body}`).digest('hex');
  return `t=${timestampS},v1=${v1}`;
}

/** The POST of one attempt at `nowMs`: body, signature and headers. */
export function signedRequest(
  delivery: DeliveryRecord,
  secret: string,
  nowMs: number,
): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify({
    id: delivery.id,
    type: delivery.event,
    created_at: delivery.created_at,
    data: delivery.data,
  });
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    'quire-event': delivery.event,
    'quire-delivery': delivery.id,
    'quire-signature': signatureHeader(secret, Math.floor(nowMs / 1000), body),
  };
  if (delivery.request_id !== null) headers['x-request-id'] = delivery.request_id;
  return { body, headers };
}
