/** The route both benchmark servers serve, shared by the target and the load generator. */
export const BENCH_ROUTE = '/bench/json';
export const BENCH_PAYLOAD = { ok: true, items: [1, 2, 3], name: 'quire' } as const;
