import { mkdtempSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readTokenStore, resolveShowTokens, rotateShowTokens, showTokenStore } from '../../../engine/io/server/tokenStore.js';

const temps: string[] = [];
afterEach(() => {
  for (const t of temps.splice(0)) rmSync(t, { recursive: true, force: true });
});

function setup(): { show: string; env: { PRECUE_CONFIG_DIR: string }; store: string } {
  const dir = mkdtempSync(join(tmpdir(), 'precue-tokstore-'));
  temps.push(dir);
  const show = join(dir, 'shows', 'tour');
  mkdirSync(show, { recursive: true });
  writeFileSync(join(show, 'show.json'), '{}');
  const env: Record<string, string> & { PRECUE_CONFIG_DIR: string } = { PRECUE_CONFIG_DIR: join(dir, 'config') };
  return { show, env, store: showTokenStore(show, env) };
}

describe('console tokens kept per show folder', () => {
  it('keeps the generated operator token outside the show, readable only by its owner, and gives it back on the next start', async () => {
    const { show, env, store } = setup();
    expect(store.startsWith(env.PRECUE_CONFIG_DIR)).toBe(true);
    const first = await resolveShowTokens({ env: {}, generateOperator: true, showDir: show, store });
    expect(first.generated).toEqual(['operator']);
    expect(statSync(store).mode & 0o777).toBe(0o600);
    const second = await resolveShowTokens({ env: {}, generateOperator: true, showDir: show, store });
    expect(second.generated).toEqual([]);
    expect(second.sources.operator).toBe('stored');
    expect(second.tokens.operator).toBe(first.tokens.operator);
    // Another show folder gets its own.
    const other = join(show, '..', 'other');
    mkdirSync(other);
    expect(showTokenStore(other, env)).not.toBe(store);
  });

  it('lets a flag, the environment or a token file win over the kept token', async () => {
    const { show, store } = setup();
    await resolveShowTokens({ env: {}, generateOperator: true, showDir: show, store });
    const r = await resolveShowTokens({ env: { PRECUE_TOKEN_OPERATOR: 'from-the-environment' }, generateOperator: true, showDir: show, store });
    expect(r.tokens.operator).toBe('from-the-environment');
    expect(r.sources.operator).toBe('env');
  });

  it('rotates: new tokens replace the kept ones; a damaged store is an error naming the file', async () => {
    const { show, store } = setup();
    const first = await resolveShowTokens({ env: {}, generateOperator: true, showDir: show, store });
    const rotated = await rotateShowTokens(store, show, ['operator', 'viewer']);
    expect(rotated.operator).not.toBe(first.tokens.operator);
    expect(rotated.viewer).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(await readTokenStore(store)).toEqual(rotated);
    writeFileSync(store, 'not json');
    await expect(readTokenStore(store)).rejects.toThrow(/token store .*: is not JSON/);
  });
});
