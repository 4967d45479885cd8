/** The route both benchmark servers serve, shared by the target and the load generator. */
export const BENCH_ROUTE = '/bench/json';
export const BENCH_PAYLOAD = { ok: true, items: [1, 2, 3], name: 'quire' } as const;

/** The authenticated read route bench/app-target.ts adds (bench:auth). */
export const BENCH_READ_ROUTE = '/bench/read';

/** bench:http's bare Fastify answers a stored document's JSON here, on Quire's own path. */
export const BENCH_DOCUMENT_ROUTE = '/v1/documents/:id';
