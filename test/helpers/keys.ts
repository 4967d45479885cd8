/** API keys for one tenant, made through the admin API, as `Authorization` headers. */
import { createApiKey, type TestApp } from './app.js';

/** A key of `tenant` with `scopes` and no rate limit (tests send many requests). */
export async function keyFor(
  t: TestApp,
  tenant: string,
  scopes: string[],
): Promise<Record<string, string>> {
  const { key } = await createApiKey(t, {
    name: `${tenant} ${scopes.join(' ')}`,
    tenant_id: tenant,
    scopes,
    rate_tier: 'unlimited',
  });
  return { authorization: `Bearer ${key}` };
}
