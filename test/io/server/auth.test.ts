import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenAuthenticator, generateToken, resolveRoleTokens, tokenFromRequest } from '../../../engine/io/server/auth.js';
import { TokenBucket } from '../../../engine/io/server/rateLimit.js';

describe('console tokens', () => {
  it('takes flags over environment over file, per role', () => {
    const dir = mkdtempSync(join(tmpdir(), 'precue-tok-'));
    try {
      const file = join(dir, 'tokens.json');
      writeFileSync(file, JSON.stringify({ viewer: 'file-viewer-token', operator: 'file-operator-token', admin: 'file-admin-token1' }));
      chmodSync(file, 0o600);
      const r = resolveRoleTokens({
        flags: { operator: 'flag-operator-token' },
        env: { PRECUE_TOKEN_VIEWER: 'env-viewer-token-1', PRECUE_TOKEN_FILE: file },
      });
      expect(r.tokens).toEqual({ viewer: 'env-viewer-token-1', operator: 'flag-operator-token', admin: 'file-admin-token1' });
      expect(r.sources).toEqual({ viewer: 'env', operator: 'flag', admin: 'file' });
      expect(r.warnings).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('generates an operator token for the local desk when none is configured', () => {
    const r = resolveRoleTokens({ env: {}, generateOperator: true });
    expect(r.generated).toEqual(['operator']);
    expect(r.tokens.operator).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(generateToken()).not.toBe(generateToken());
  });

  it('refuses short tokens, shared tokens, and a token file inside the show folder', () => {
    expect(() => resolveRoleTokens({ flags: { operator: 'short' } })).toThrow(/at least 12/);
    expect(() => resolveRoleTokens({ flags: { operator: 'same-token-123456', admin: 'same-token-123456' } })).toThrow(/are the same/);
    const dir = mkdtempSync(join(tmpdir(), 'precue-show-'));
    try {
      mkdirSync(join(dir, 'show'));
      const inside = join(dir, 'show', 'tokens.json');
      writeFileSync(inside, '{"operator":"operator-token-123"}');
      expect(() => resolveRoleTokens({ file: inside, showDir: join(dir, 'show') })).toThrow(/inside the show folder/);
      writeFileSync(join(dir, 'bad.json'), '{"root": "x"}');
      expect(() => resolveRoleTokens({ file: join(dir, 'bad.json') })).toThrow(/unknown role 'root'/);
      writeFileSync(join(dir, 'notjson.json'), 'operator=abc');
      expect(() => resolveRoleTokens({ file: join(dir, 'notjson.json') })).toThrow(/not JSON/);
      expect(() => resolveRoleTokens({ file: join(dir, 'missing.json') })).toThrow(/cannot read token file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('warns when others can read the token file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'precue-tok-'));
    try {
      const file = join(dir, 't.json');
      writeFileSync(file, '{"viewer":"viewer-token-123"}');
      chmodSync(file, 0o644);
      expect(resolveRoleTokens({ file }).warnings[0]).toMatch(/chmod 600/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('token authenticator', () => {
  const auth = new TokenAuthenticator({ viewer: 'viewer-token-123', operator: 'operator-token-123' });
  it('grants the role whose token matches, and nothing for a wrong, empty or missing token', () => {
    expect(auth.authenticate('viewer-token-123')).toBe('viewer');
    expect(auth.authenticate('operator-token-123')).toBe('operator');
    expect(auth.authenticate('operator-token-124')).toBeNull();
    expect(auth.authenticate('')).toBeNull();
    expect(auth.authenticate(null)).toBeNull();
    expect(new TokenAuthenticator({}).authenticate('')).toBeNull();
    expect(auth.roles).toEqual(['viewer', 'operator']);
  });

  it('reads the token from a bearer header first, else the query', () => {
    const url = new URL('http://x/ws?token=q-token');
    expect(tokenFromRequest({ authorization: 'Bearer h-token' }, url)).toBe('h-token');
    expect(tokenFromRequest({}, url)).toBe('q-token');
    expect(tokenFromRequest({ authorization: 'Basic abc' }, url)).toBeNull();
  });
});

describe('token bucket', () => {
  it('allows a burst, then refills at the given rate', () => {
    const b = new TokenBucket(10, 3, 0);
    expect([b.take(0), b.take(0), b.take(0), b.take(0)]).toEqual([true, true, true, false]);
    expect(b.take(50)).toBe(false);
    expect(b.take(100)).toBe(true);
    expect(b.take(1000)).toBe(true);
  });
});
