/**
 * Node/V8 flags the engine runs with: the first line of bin/precue.js (the `precue` command), `npm
 * start` and the benchmarks pass the same (test/cli/runtimeFlags.test.ts keeps them equal).
 *
 * `--max-semi-space-size=4`: V8 lets the young generation grow to 16 MB per semi-space while a big
 * show loads and then keeps it resident for the whole show, though the frame path allocates next to
 * nothing. 4 MB takes ~35–45 MB off a 256-universe rig's RSS (bench/rig.ts; measured in-process:
 * 214–224 MB → 179 MB), at the price of more, shorter scavenges on the main thread (DMX timing lives in
 * the frame clock's own thread).
 */
export const ENGINE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
