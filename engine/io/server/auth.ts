/**
 * Console tokens: one per role, from the command line, the environment or a file outside the show,
 * compared in constant time (SHA-256 of both sides, then `timingSafeEqual`, every role checked).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { relative, resolve, isAbsolute } from 'node:path';
import { ShowFileError, UsageError } from '../../core/errors.js';
import { LINE_JSON_BOUNDS, parseBoundedJson } from '../../core/json/bounded.js';
import { roleSchema, type Role } from '../../core/protocol/messages.js';

/** Plain tokens per role; an absent role cannot log in. */
export type RoleTokens = Partial<Record<Role, string>>;

/** The shortest token accepted: anything shorter is guessable. */
export const MIN_TOKEN_LENGTH = 12;

/** Environment variables read by `resolveRoleTokens`. */
export const TOKEN_ENV: Readonly<Record<Role, string>> = {
  viewer: 'PRECUE_TOKEN_VIEWER',
  operator: 'PRECUE_TOKEN_OPERATOR',
  admin: 'PRECUE_TOKEN_ADMIN',
};
/** Environment variable naming a token file. */
export const TOKEN_FILE_ENV = 'PRECUE_TOKEN_FILE';

/** A fresh random token (24 bytes, base64url: 32 characters). */
export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Where `resolveRoleTokens` looks, highest precedence first: flags, environment, file, this show's stored tokens. */
export interface TokenSources {
  readonly flags?: RoleTokens;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** A JSON file `{ "viewer": "…", "operator": "…", "admin": "…" }`; defaults to `$PRECUE_TOKEN_FILE`. */
  readonly file?: string;
  /** The show folder: a token file inside it is refused (shows travel; secrets must not). */
  readonly showDir?: string;
  /** Generate an operator token when none is configured (the local desk, `npm start`). */
  readonly generateOperator?: boolean;
  /** Tokens kept for this show from earlier runs (see `tokenStore.ts`), used when nothing above gives one. */
  readonly stored?: RoleTokens;
  /** Where the show's tokens are kept: a generated token is written there (`resolveShowTokens`). */
  readonly store?: string;
}

/** Where a role's token came from. */
export type TokenSource = 'flag' | 'env' | 'file' | 'stored' | 'generated';

/** Tokens found, which roles got a generated token, and where each came from (for the start banner). */
export interface ResolvedTokens {
  readonly tokens: RoleTokens;
  readonly generated: readonly Role[];
  readonly sources: Readonly<Partial<Record<Role, TokenSource>>>;
  /** Warnings for the log (e.g. a token file others can read). */
  readonly warnings: readonly string[];
}

function readTokenFile(file: string, showDir: string | undefined, warnings: string[]): RoleTokens {
  const path = resolve(file);
  if (showDir !== undefined) {
    const rel = relative(resolve(showDir), path);
    if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) {
      throw new UsageError(`token file ${file} is inside the show folder; keep secrets outside the show (it travels).`);
    }
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
    const mode = statSync(path).mode;
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      warnings.push(`token file ${file} can be read by other users (chmod 600 it).`);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ShowFileError([{ file, path: '', message: `cannot read token file (${code === 'ENOENT' ? 'no such file' : code ?? (err instanceof Error ? err.message : String(err))})`, expected: 'a JSON file {"viewer": "…", "operator": "…", "admin": "…"}' }]);
  }
  const expected = 'an object {"viewer": "…", "operator": "…", "admin": "…"}';
  const parsed = parseBoundedJson(text, LINE_JSON_BOUNDS);
  if (!parsed.ok) throw new ShowFileError([{ file, path: '', message: `token file is not JSON (${parsed.error})`, expected }]);
  const json = parsed.value;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ShowFileError([{ file, path: '', message: 'token file is not an object', expected }]);
  }
  const out: RoleTokens = {};
  for (const [key, value] of Object.entries(json)) {
    const role = roleSchema.safeParse(key);
    if (!role.success) throw new ShowFileError([{ file, path: key, message: `unknown role '${key}'`, expected: 'viewer, operator or admin' }]);
    if (typeof value !== 'string') throw new ShowFileError([{ file, path: key, message: 'the token must be a string' }]);
    out[role.data] = value;
  }
  return out;
}

/** Collects tokens per role; refuses short or shared tokens with a clear message. */
export function resolveRoleTokens(sources: TokenSources): ResolvedTokens {
  const warnings: string[] = [];
  const env = sources.env ?? {};
  const fileName = sources.file ?? env[TOKEN_FILE_ENV];
  const fromFile = fileName !== undefined && fileName !== '' ? readTokenFile(fileName, sources.showDir, warnings) : {};
  const tokens: RoleTokens = {};
  const where: Partial<Record<Role, TokenSource>> = {};
  for (const role of roleSchema.options) {
    const flag = sources.flags?.[role];
    const fromEnv = env[TOKEN_ENV[role]];
    const value = flag ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : undefined) ?? fromFile[role] ?? sources.stored?.[role];
    if (value === undefined) continue;
    where[role] = flag !== undefined ? 'flag' : fromEnv !== undefined && fromEnv !== '' ? 'env' : fromFile[role] !== undefined ? 'file' : 'stored';
    if (value.length < MIN_TOKEN_LENGTH) {
      const from = { flag: 'the command line', env: `$${TOKEN_ENV[role]}`, file: `the token file ${fileName ?? ''}`, stored: "the show's kept tokens", generated: 'a generated token' }[where[role]];
      throw new UsageError(`the ${role} token (from ${from}) is ${value.length} characters; use at least ${MIN_TOKEN_LENGTH}.`);
    }
    tokens[role] = value;
  }
  const generated: Role[] = [];
  if (tokens.operator === undefined && sources.generateOperator === true) {
    tokens.operator = generateToken();
    where.operator = 'generated';
    generated.push('operator');
  }
  const seen = new Map<string, Role>();
  for (const role of roleSchema.options) {
    const t = tokens[role];
    if (t === undefined) continue;
    const other = seen.get(t);
    if (other !== undefined) throw new UsageError(`the ${other} and ${role} tokens are the same; give each role its own token.`);
    seen.set(t, role);
  }
  return { tokens, generated, sources: where, warnings };
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** Checks presented tokens against the configured ones without leaking timing. */
export class TokenAuthenticator {
  private readonly hashes: ReadonlyArray<{ role: Role; hash: Buffer }>;

  constructor(tokens: RoleTokens) {
    this.hashes = roleSchema.options.flatMap((role) => {
      const t = tokens[role];
      return t === undefined ? [] : [{ role, hash: sha256(t) }];
    });
  }

  /** The roles that can log in. */
  get roles(): readonly Role[] {
    return this.hashes.map((h) => h.role);
  }

  /** The role a token grants, or null. Every configured role is compared, whatever matches first. */
  authenticate(presented: string | null | undefined): Role | null {
    const hash = sha256(presented ?? '');
    let match: Role | null = null;
    for (const { role, hash: expected } of this.hashes) {
      const equal = timingSafeEqual(hash, expected);
      if (equal && presented !== null && presented !== undefined && presented !== '') match = role;
    }
    return match;
  }
}

/** The token a WebSocket upgrade carries: `Authorization: Bearer <token>` or the `token` query parameter. */
export function tokenFromRequest(headers: { authorization?: string | undefined }, url: URL): string | null {
  const header = headers.authorization;
  if (header !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return m?.[1] ?? null;
  }
  return url.searchParams.get('token');
}
