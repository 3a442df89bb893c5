/** Waits (polling every 10 ms) until `test` holds; rejects naming `what` after `timeoutMs`. For network tests on loopback. */
export async function until(what: string, test: () => boolean, timeoutMs = 8000): Promise<void> {
  const start = Date.now();
  while (!test()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
