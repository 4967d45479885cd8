// The default timeout of each test and hook: it suits the slowest legitimate tests (the process
// and scale-out tests take up to about a minute on 2 busy cores); QUIRE_TEST_TIMEOUT_MS overrides it.
export const DEFAULT_TEST_TIMEOUT_MS = Number(process.env.QUIRE_TEST_TIMEOUT_MS ?? 180_000);

// How long a test file's process may stay up after its last test because of a handle it left open
// (timed-node-test.mjs then ends it); a file that closes everything exits at once.
export const EXIT_GRACE_MS = 2_000;
