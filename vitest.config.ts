import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
    allowOnly: false,
    // Console tokens kept per show go to a fresh folder per run, never the user's ~/.config/precue.
    // Runs the engines under test write (decision logs) go to a fresh folder too, never a show's takes/.
    env: { PRECUE_CONFIG_DIR: mkdtempSync(join(tmpdir(), 'precue-test-config-')), PRECUE_RUNS_DIR: mkdtempSync(join(tmpdir(), 'precue-test-runs-')) },
  },
});
