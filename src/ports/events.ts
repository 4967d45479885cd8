/**
 * What happened to a tenant's documents and jobs, for whoever listens (webhooks). Published after
 * the change is committed; a publisher must not throw for a listener's failure.
 */
export const EVENT_TYPES = ['document.ready', 'document.failed', 'job.dead'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface DomainEvent {
  type: EventType;
  tenant_id: string;
  /** What the event is about, as the API shows it (e.g. `{document}` or `{job}`). */
  data: Record<string, unknown>;
  request_id: string | null;
  occurred_at: string;
}

export interface EventPublisher {
  publish(event: DomainEvent): Promise<void>;
}

/** For processes and tests with no listeners. */
export const NO_EVENTS: EventPublisher = { publish: async () => undefined };
