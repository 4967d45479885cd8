/**
 * Adds a hook to one route (from an onRoute hook) after the hooks it already has. Hooks that only
 * some routes need are attached this way, so the others do not pay for them; plugins registered
 * in order keep their order (auth before rate limits).
 */
import type { RouteOptions } from 'fastify';

type HookName = 'onRequest' | 'preHandler' | 'onSend' | 'onResponse';

export function appendRouteHook(route: RouteOptions, name: HookName, hook: unknown): void {
  const current = route[name] as unknown;
  const list = current === undefined ? [] : Array.isArray(current) ? current : [current];
  (route as unknown as Record<HookName, unknown[]>)[name] = [...list, hook];
}
