/** Request and response shapes of /v1/webhooks, shared by validation and the OpenAPI document. */
import { Type } from 'typebox';
import { EVENT_TYPES } from '../../ports/events.js';
import { DELIVERY_STATUSES } from '../../ports/webhook-store.js';
import { PageQuery } from './common.js';

export const MAX_WEBHOOK_URL_LENGTH = 2048;

export const WebhookIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

const EventTypes = Type.Array(Type.Enum(EVENT_TYPES), {
  minItems: 1,
  maxItems: EVENT_TYPES.length,
  uniqueItems: true,
  description: 'The events to receive, each once.',
});

export const CreateWebhookBody = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      maxLength: MAX_WEBHOOK_URL_LENGTH,
      pattern: '^[Hh][Tt][Tt][Pp][Ss]?://',
      description:
        'http or https; checked by the SSRF guard now (literal addresses) and at every delivery (what the host resolves to).',
    }),
    events: EventTypes,
    secret: Type.Optional(
      Type.String({
        minLength: 16,
        maxLength: 256,
        pattern: '^[\\x21-\\x7e]+$',
        description:
          'The signing secret (16–256 printable ASCII characters, no spaces); generated when absent.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const WebhookView = Type.Object({
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.Enum(EVENT_TYPES)),
  created_at: Type.String(),
});

export const CreatedWebhook = Type.Object({
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.Enum(EVENT_TYPES)),
  created_at: Type.String(),
  secret: Type.String({ description: 'Shown in this answer only: keep it to verify signatures.' }),
});

export const WebhookListQuery = Type.Object({ ...PageQuery }, { additionalProperties: false });

export const WebhookList = Type.Object({
  data: Type.Array(WebhookView),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});

export const DeliveryView = Type.Object({
  id: Type.String({ description: 'Also the `id` of the delivered body and `Quire-Delivery`.' }),
  webhook_id: Type.String(),
  job_id: Type.String({ description: 'The `webhook` job that sends it (see /v1/jobs).' }),
  event: Type.Enum(EVENT_TYPES),
  status: Type.Enum(DELIVERY_STATUSES),
  attempts: Type.Integer(),
  response_status: Type.Optional(
    Type.Integer({ description: 'The receiver’s status on the last answered attempt' }),
  ),
  error: Type.Optional(
    Type.Object({ code: Type.String(), message: Type.String() }, { description: 'Last failure' }),
  ),
  created_at: Type.String(),
  delivered_at: Type.Optional(Type.String()),
  next_attempt_at: Type.Optional(
    Type.String({ description: 'When a pending delivery is retried' }),
  ),
});

export const DeliveryList = Type.Object({
  data: Type.Array(DeliveryView),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});
