/** `precue token`: shows, adds or rotates the console tokens a show folder keeps between runs. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { roleSchema, type Role } from '../../core/protocol/messages.js';
import { generateToken } from '../../io/server/auth.js';
import { readTokenStore, rotateShowTokens, showTokenStore, writeTokenStore } from '../../io/server/tokenStore.js';
import { parseCommandArgs, type Command } from '../command.js';
import { EXIT } from '../exitCodes.js';

const help = `Usage: precue token <show-folder> [--rotate] [--role <role>]... [--json]

Prints the console tokens kept for a show folder: 'precue run' uses them on every start, so remote
consoles stay logged in across restarts (the first run generates the operator token). They are kept
outside the show, in your Precue configuration folder ($PRECUE_CONFIG_DIR, else ~/.config/precue),
readable only by you. Tokens given with --token-*, $PRECUE_TOKEN_* or a token file take precedence.

Options:
  --role <role>   viewer, operator or admin (repeatable): add a token for the role if it has none
  --rotate        replace the tokens (of --role, else every kept one) with fresh ones; consoles using
                  the old ones are refused from the engine's next start
  --json          print {"store": …, "tokens": {…}}

Example:
  precue token shows/demo --role viewer
  precue token shows/demo --rotate
`;

/** The `token` command. */
export const command: Command = {
  name: ['token'],
  summary: "show or rotate a show's console tokens (kept between runs)",
  help,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs('token', args, {
      role: { type: 'string', multiple: true },
      rotate: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    });
    const showDir = positionals[0];
    if (showDir === undefined || positionals.length > 1) throw new UsageError("precue token: give one show folder, e.g. 'precue token shows/demo'.");
    if (!existsSync(join(showDir, 'show.json'))) throw new UsageError(`precue token: ${showDir} is not a show folder (no show.json in it).`);
    const roles: Role[] = [];
    for (const r of values.role ?? []) {
      const parsed = roleSchema.safeParse(r);
      if (!parsed.success) throw new UsageError(`precue token: --role must be viewer, operator or admin, got '${r}'.`);
      roles.push(parsed.data);
    }
    const store = showTokenStore(showDir);
    let tokens = await readTokenStore(store);
    if (values.rotate) {
      const which = roles.length > 0 ? roles : (Object.keys(tokens) as Role[]).length > 0 ? (Object.keys(tokens) as Role[]) : (['operator'] as Role[]);
      tokens = await rotateShowTokens(store, showDir, which);
    } else {
      const missing = (roles.length > 0 ? roles : (['operator'] as Role[])).filter((r) => tokens[r] === undefined);
      if (missing.length > 0) {
        for (const r of missing) tokens[r] = generateToken();
        await writeTokenStore(store, showDir, tokens);
      }
    }
    if (values.json) {
      ctx.stdout(`${JSON.stringify({ store, tokens }, null, 2)}\n`);
      return EXIT.ok;
    }
    for (const role of roleSchema.options) {
      const t = tokens[role];
      if (t !== undefined) ctx.stdout(`${role.padEnd(8)} ${t}   console: http://<engine>:<port>/#token=${t}\n`);
    }
    ctx.stdout(`kept in ${store}${values.rotate ? ' (rotated: a running engine keeps the old tokens until it restarts)' : ''}\n`);
    return EXIT.ok;
  },
};
