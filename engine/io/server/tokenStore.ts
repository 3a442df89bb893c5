/**
 * Console tokens kept per show folder, so a restarted engine keeps its tokens and remote consoles
 * reconnect without a new link. They live outside the show (shows travel; secrets must not): in
 * `$PRECUE_CONFIG_DIR` (else `$XDG_CONFIG_HOME/precue`, else `~/.config/precue`) under
 * `tokens/<hash of the show folder's path>.json`, mode 600, written atomically. `precue token`
 * shows and rotates them.
 */
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { DeviceError } from '../../core/errors.js';
import { roleSchema, type Role } from '../../core/protocol/messages.js';
import { writeFileAtomic } from '../files/atomicWrite.js';
import { generateToken, resolveRoleTokens, type ResolvedTokens, type RoleTokens, type TokenSources } from './auth.js';

/** The environment variable that moves Precue's per-user configuration (tests, several desks on one account). */
export const CONFIG_DIR_ENV = 'PRECUE_CONFIG_DIR';

/** Precue's per-user configuration folder. */
export function configDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const own = env[CONFIG_DIR_ENV];
  if (own !== undefined && own !== '') return resolve(own);
  const xdg = env['XDG_CONFIG_HOME'];
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.config'), 'precue');
}

function showPath(showDir: string): string {
  try {
    return realpathSync(showDir);
  } catch {
    return resolve(showDir);
  }
}

/** The file holding a show folder's console tokens. */
export function showTokenStore(showDir: string, env: Readonly<Record<string, string | undefined>> = process.env): string {
  const key = createHash('sha256').update(showPath(showDir)).digest('hex').slice(0, 16);
  return join(configDir(env), 'tokens', `${key}.json`);
}

/** The tokens kept in `store` ({} when there is none yet). A damaged store is an error naming the file. */
export async function readTokenStore(store: string): Promise<RoleTokens> {
  let text: string;
  try {
    text = await readFile(store, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new DeviceError(`token store ${store}`, `cannot read it (${err instanceof Error ? err.message : String(err)})`, 'check its permissions');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new DeviceError(`token store ${store}`, 'is not JSON', "remove it, or run 'precue token <show> --rotate' to write a fresh one");
  }
  const out: RoleTokens = {};
  if (typeof json === 'object' && json !== null && 'tokens' in json && typeof json.tokens === 'object' && json.tokens !== null) {
    for (const [role, value] of Object.entries(json.tokens)) {
      const r = roleSchema.safeParse(role);
      if (r.success && typeof value === 'string') out[r.data] = value;
    }
  }
  return out;
}

/** Writes a show's tokens to `store` (atomic, readable only by this user). */
export async function writeTokenStore(store: string, showDir: string, tokens: RoleTokens): Promise<void> {
  try {
    await mkdir(join(store, '..'), { recursive: true, mode: 0o700 });
    await writeFileAtomic(store, `${JSON.stringify({ show: showPath(showDir), tokens }, null, 2)}\n`, { backup: false, mode: 0o600 });
  } catch (err) {
    throw new DeviceError(`token store ${store}`, `cannot write it (${err instanceof Error ? err.message : String(err)})`, `check that ${configDir()} is writable, or set $${CONFIG_DIR_ENV}`);
  }
}

/**
 * `resolveRoleTokens` with the show's stored tokens under the configured ones; a token it had to
 * generate is stored, so the next run of this show uses it again.
 */
export async function resolveShowTokens(sources: TokenSources & { readonly showDir: string }): Promise<ResolvedTokens> {
  const stored = sources.store !== undefined ? await readTokenStore(sources.store) : {};
  const resolved = resolveRoleTokens({ ...sources, stored });
  if (sources.store !== undefined && resolved.generated.length > 0) {
    const keep: RoleTokens = { ...stored };
    for (const role of resolved.generated) keep[role] = resolved.tokens[role];
    await writeTokenStore(sources.store, sources.showDir, keep);
  }
  return resolved;
}

/** Replaces (or creates) the stored tokens of `roles` with fresh ones; returns every stored token. */
export async function rotateShowTokens(store: string, showDir: string, roles: readonly Role[]): Promise<RoleTokens> {
  const tokens: RoleTokens = { ...(await readTokenStore(store)) };
  for (const role of roles) tokens[role] = generateToken();
  await writeTokenStore(store, showDir, tokens);
  return tokens;
}
