/**
 * One call for the composition root: resolve tokens (flags, env, file outside the show; an operator
 * token generated when none is set), read the TLS files, bundle the page, start the server, and say
 * what to print.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { ConsoleEngine } from '../../core/protocol/port.js';
import type { Role } from '../../core/protocol/messages.js';
import { resolveRoleTokens, type RoleTokens } from './auth.js';
import { buildConsolePage } from './page.js';
import { startConsoleServer, type ConsoleServer } from './server.js';

/** Console settings as `precue run` parses them from its flags. */
export interface ConsoleSettings {
  /** Default 127.0.0.1; `0.0.0.0` to let remote consoles in (then use TLS or a trusted network). */
  readonly host?: string;
  /** Default 7700; 0 picks a free port. */
  readonly port?: number;
  /** `--token-viewer`, `--token-operator`, `--token-admin`. */
  readonly tokens?: RoleTokens;
  /** `--token-file` (JSON {"viewer","operator","admin"}), else `$PRECUE_TOKEN_FILE`. */
  readonly tokenFile?: string;
  /** `--tls-cert` and `--tls-key` (PEM files): serve https/wss. */
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  /** `--allow-origin` (repeatable). */
  readonly allowedOrigins?: readonly string[];
  /** Generate an operator token when none is configured (default true). */
  readonly generateOperatorToken?: boolean;
}

/** A started console and the lines worth printing at start. */
export interface StartedConsole {
  readonly server: ConsoleServer;
  /** URL to open at the desk, with the operator token in the fragment (null when no operator token). */
  readonly operatorUrl: string | null;
  /** Lines for stdout: the URL(s) and where each token came from (never other tokens' values). */
  readonly banner: readonly string[];
}

/** Starts the console for `engine`. Throws UsageError for bad token or TLS settings. */
export async function startConsole(options: {
  readonly engine: ConsoleEngine;
  readonly settings: ConsoleSettings;
  /** The show folder, so a token file inside it is refused. */
  readonly showDir?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly log?: Logger;
}): Promise<StartedConsole> {
  const s = options.settings;
  const resolved = resolveRoleTokens({
    ...(s.tokens !== undefined ? { flags: s.tokens } : {}),
    ...(options.env !== undefined ? { env: options.env } : {}),
    ...(s.tokenFile !== undefined ? { file: s.tokenFile } : {}),
    ...(options.showDir !== undefined ? { showDir: options.showDir } : {}),
    generateOperator: s.generateOperatorToken ?? true,
  });
  for (const w of resolved.warnings) options.log?.warn(w);
  if ((s.tlsCert === undefined) !== (s.tlsKey === undefined)) {
    throw new UsageError('--tls-cert and --tls-key go together: give both PEM files, or neither.');
  }
  let tls: { cert: Buffer; key: Buffer } | undefined;
  if (s.tlsCert !== undefined && s.tlsKey !== undefined) {
    try {
      tls = { cert: readFileSync(s.tlsCert), key: readFileSync(s.tlsKey) };
    } catch (err) {
      throw new UsageError(`cannot read the TLS certificate or key: ${err instanceof Error ? err.message : String(err)}.`);
    }
  }
  const server = await startConsoleServer({
    engine: options.engine,
    tokens: resolved.tokens,
    page: await buildConsolePage(),
    ...(s.host !== undefined ? { host: s.host } : {}),
    ...(s.port !== undefined ? { port: s.port } : {}),
    ...(tls !== undefined ? { tls } : {}),
    ...(s.allowedOrigins !== undefined ? { allowedOrigins: s.allowedOrigins } : {}),
    ...(options.log !== undefined ? { log: options.log } : {}),
  });
  const operatorUrl = resolved.tokens.operator !== undefined ? server.consoleUrl(resolved.tokens.operator) : null;
  const roles = (Object.keys(resolved.sources) as Role[]).map((r) => `${r} (${resolved.sources[r] ?? '?'})`);
  const banner = [
    operatorUrl !== null ? `Console: ${operatorUrl}` : `Console: ${server.url} (no operator token configured)`,
    `Console roles: ${roles.length > 0 ? roles.join(', ') : 'none — nobody can connect'}`,
  ];
  return { server, operatorUrl, banner };
}
