/**
 * Node/V8 flags the engine runs with: the first line of bin/precue.js (the `precue` command), `npm
 * start` and the benchmarks pass the same (test/cli/runtimeFlags.test.ts keeps them equal).
 *
 * `--max-semi-space-size=4`: V8 lets the young generation grow to 16 MB per semi-space while a big
 * show loads and then keeps it resident for the whole show, though the frame path allocates next to
 * nothing. 4 MB takes ~35–45 MB off a 256-universe rig's RSS (bench/rig.ts; measured in-process:
 * 214–224 MB → 179 MB), at the price of more, shorter scavenges on the main thread (DMX timing lives in
 * the frame clock's own thread).
 *
 * Not set, measured 2026-12-07: `--no-memory-reducer`. V8's memory reducer starts 8 s after an
 * isolate starts and, while it allocates little (a show at rest), runs compacting full collections
 * to shrink the heap; the main isolate's first one (46 → 26 MB committed) stops the main thread for
 * 15–21 ms (`--trace-gc`: "Mark-Compact (reduce)"), and a console GO that lands in it reaches the wire
 * that much later (bench/latency.ts with `PRECUE_BENCH_ENGINE_FLAGS=--trace-gc`: a 27 ms GO sent 24 ms
 * before that pause ended, in one run of four; in four runs without the reducer no GO at rest over
 * 6.1 ms). Turning it off costs memory instead: RSS 155 → 210 MB at 16
 * universes, 256 → 284 MB fading and 196 → 274 MB at rest at 256 (bench/rig.ts, sources through
 * tsx), and the rig's acceptance compares RSS with QLC+'s. A GO late by about one DMX frame when it
 * meets one of these collections was kept over a third more memory.
 */
export const ENGINE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
