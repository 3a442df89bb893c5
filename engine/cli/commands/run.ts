import { existsSync, readFileSync } from 'node:fs';
import { raiseEnginePriority } from '../../io/enginePriority.js';
import { assertTcpPortFree } from '../../io/net/portCheck.js';
import { UsageError } from '../../core/errors.js';
import { config as rxConfig } from 'rxjs';
import { createLogger, setLogSink, type LogLevel } from '../../core/log.js';
import { startupLogSink, stderrLogSink } from '../../io/logSink.js';
import { OSC_CONTROL_DEFAULT_PORT } from '../../core/show/schema.js';
import { startEngine } from '../../main.js';
import { parseCommandArgs, portOption, type Command } from '../command.js';
import { EXIT } from '../exitCodes.js';
import { showTokenStore } from '../../io/server/tokenStore.js';
import { defaultFixturesDir } from '../paths.js';
import { runsDirOf } from '../../io/runs/runFolder.js';
import { primaryWsUrl } from '../../io/continuity/primaryLink.js';

/** The token a standby shows its primary: `--primary-token-file` (a bare token, or a token file's JSON), else $PRECUE_PRIMARY_TOKEN. */
function primaryToken(file: string | undefined, read: (file: string) => Buffer): string {
  let token: string | undefined;
  if (file !== undefined) {
    const text = read(file).toString('utf8').trim();
    if (text.startsWith('{')) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new UsageError(`precue run: --primary-token-file ${file}: not JSON and not a bare token.`);
      }
      const roles = json as Partial<Record<'viewer' | 'operator' | 'admin', unknown>>;
      const found = [roles.viewer, roles.operator, roles.admin].find((t): t is string => typeof t === 'string');
      if (found === undefined) throw new UsageError(`precue run: --primary-token-file ${file}: no viewer, operator or admin token in it.`);
      token = found;
    } else token = text;
  } else token = process.env[PRIMARY_TOKEN_ENV];
  if (token === undefined || token.length === 0) throw new UsageError(`precue run: --backup-of needs a token the primary accepts: --primary-token-file <file> or $${PRIMARY_TOKEN_ENV}.`);
  return token;
}

/** The environment variable holding the primary's token for a standby. */
const PRIMARY_TOKEN_ENV = 'PRECUE_PRIMARY_TOKEN';

export const command: Command = {
  name: ['run'],
  summary: 'run a show live: audio in, predictions, playback, outputs, console',
  help: `Usage: precue run <show-folder> [options]

Runs a show until stopped (Ctrl-C or SIGTERM: outputs stop cleanly; sACN sends stream-terminated).
Prints where every output goes and the console URL.

Options:
  --venue <name>            apply venues/<name>.json (universes, addresses, IPs, ports)
  --port <n>                console HTTP/WebSocket port (default 8080; 0 picks a free port)
  --host <addr>             console interface (default 127.0.0.1; 0.0.0.0 for remote operators)
  --token-file <file>       JSON {"viewer","operator","admin"} kept outside the show (or $PRECUE_TOKEN_FILE);
                            else $PRECUE_TOKEN_OPERATOR / _VIEWER / _ADMIN; else the show's kept tokens,
                            an operator token generated and kept for the show when it has none (see
                            'precue token'). Never on the command line: every user's ps shows it.
  --tls-cert <file>         serve https/wss with this PEM certificate …
  --tls-key <file>          … and this key
  --allow-origin <origin>   another Origin allowed to open the console (repeatable)
  --no-console              run without the console server
  --artnet-host <addr>      send every Art-Net universe to this host instead of the show's
  --artnet-port <n>         … and this UDP port
  --artnet-discovery-port <n>  answer ArtPoll on this port instead of Art-Net's 6454 (0: any free port)
  --osc-in-port <n>         listen for OSC control on this port instead of the show's (0: any free port)
  --no-audio                ignore the show's audio input
  --no-model                do not load the show's model: every department runs by hand
  --no-run-log              do not write this run to disk (by default: takes/run-<date>-<time>/ with
                            decisions.jsonl, fixtures-usage.json, and the audio when the show keeps it;
                            $PRECUE_RUNS_DIR puts runs elsewhere)
  --fixtures <dir>          fixture library (default: Precue's fixtures/)
  --backup-of <host:port>   run as a hot standby of the engine whose console is at host:port: follow
                            it, send sACN below its priority (Art-Net/USB silent), take control when
                            it is lost; a token it accepts (a viewer's is enough) comes from
                            --primary-token-file <file> or $PRECUE_PRIMARY_TOKEN
  --no-announce             do not announce the console on the local network (mDNS/DNS-SD _precue._tcp)
  --no-journal              do not journal the show to <show>/journal.jsonl (a restart starts at the top)
  --resume                  resume from the journal even after a clean stop (after a crash: always)
  --log-level <level>       debug, info, warn or error (default info)

Example:
  precue run shows/demo --venue touring --port 8080
`,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs('run', args, {
      venue: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'token-operator': { type: 'string' },
      'token-viewer': { type: 'string' },
      'token-admin': { type: 'string' },
      'token-file': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'allow-origin': { type: 'string', multiple: true },
      'no-console': { type: 'boolean', default: false },
      'artnet-host': { type: 'string' },
      'artnet-port': { type: 'string' },
      'osc-in-port': { type: 'string' },
      'artnet-discovery-port': { type: 'string' },
      'no-audio': { type: 'boolean', default: false },
      'no-model': { type: 'boolean', default: false },
      'no-run-log': { type: 'boolean', default: false },
      fixtures: { type: 'string' },
      'backup-of': { type: 'string' },
      'primary-token-file': { type: 'string' },
      'no-journal': { type: 'boolean', default: false },
      'no-announce': { type: 'boolean', default: false },
      resume: { type: 'boolean', default: false },
      'log-level': { type: 'string', default: 'info' },
    });
    const showDir = positionals[0];
    if (showDir === undefined || positionals.length > 1) throw new UsageError("precue run: give one show folder, e.g. 'precue run shows/demo'.");
    const onArgv = (['token-operator', 'token-viewer', 'token-admin'] as const).filter((f) => values[f] !== undefined);
    if (onArgv.length > 0) {
      throw new UsageError(`precue run: --${onArgv[0]} puts a secret on the command line, where every user's ps can read it; set $PRECUE_TOKEN_${onArgv[0]!.slice(6).toUpperCase()} or use --token-file.`);
    }
    const level = values['log-level'];
    if (!['debug', 'info', 'warn', 'error'].includes(level)) throw new UsageError(`precue run: --log-level must be debug, info, warn or error, got '${level}'.`);
    // Until the engine has started, info lines wait: a start that fails prints only its error.
    const startup = startupLogSink(stderrLogSink(ctx.stderr));
    setLogSink(startup.sink, level as LogLevel);
    // A subscriber that throws must not crash the show: log it; the other subscribers carry on.
    const log = createLogger('cli/run');
    rxConfig.onUnhandledError = (err: unknown) => log.error(`unhandled error in a stream (dropped): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) throw new UsageError('precue run: --tls-cert and --tls-key go together.');
    const readPem = (file: string): Buffer => {
      try {
        return readFileSync(file);
      } catch (err) {
        throw new UsageError(`precue run: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}.`);
      }
    };
    const port = portOption('run', 'port', values.port, 8080);
    const fixturesDir = values.fixtures ?? defaultFixturesDir();
    if (!existsSync(fixturesDir)) throw new UsageError(`precue run: --fixtures ${fixturesDir}: no such folder.`);
    // A console port another program holds fails the start at once, before anything opens.
    if (!values['no-console'] && port !== 0) await assertTcpPortFree(values.host ?? '127.0.0.1', port, 'console server', 'stop the other engine or pass --port <n>');
    const artnetPort = values['artnet-port'] !== undefined ? portOption('run', 'artnet-port', values['artnet-port'], 6454) : undefined;
    const artnetDiscoveryPort = values['artnet-discovery-port'] !== undefined ? portOption('run', 'artnet-discovery-port', values['artnet-discovery-port'], 6454) : undefined;
    const oscInPort = values['osc-in-port'] !== undefined ? portOption('run', 'osc-in-port', values['osc-in-port'], OSC_CONTROL_DEFAULT_PORT) : undefined;
    // The address first (a typo is the likelier mistake), then the token.
    if (values['backup-of'] !== undefined) primaryWsUrl(values['backup-of']);
    const backupOf = values['backup-of'] !== undefined ? { address: values['backup-of'], token: primaryToken(values['primary-token-file'], readPem) } : undefined;
    if (values['no-journal'] && values.resume) throw new UsageError('precue run: --resume needs the journal; drop --no-journal.');
    raiseEnginePriority(log);
    let engine: Awaited<ReturnType<typeof startEngine>>;
    try {
      engine = await startEngine({
        showDir,
        ...(values.venue !== undefined ? { venue: values.venue } : {}),
        fixturesDir,
        console: values['no-console']
          ? null
          : {
              host: values.host ?? '127.0.0.1',
              port,
              tokens: {
                env: process.env,
                ...(values['token-file'] !== undefined ? { file: values['token-file'] } : {}),
                store: showTokenStore(showDir),
                generateOperator: true,
              },
              ...(values['tls-cert'] !== undefined && values['tls-key'] !== undefined ? { tls: { cert: readPem(values['tls-cert']), key: readPem(values['tls-key']) } } : {}),
              ...(values['allow-origin'] !== undefined ? { allowedOrigins: values['allow-origin'] } : {}),
            },
        ...(values['artnet-host'] !== undefined ? { artnetHost: values['artnet-host'] } : {}),
        ...(artnetPort !== undefined ? { artnetPort } : {}),
        ...(oscInPort !== undefined ? { oscInPort } : {}),
        ...(artnetDiscoveryPort !== undefined ? { artnetDiscoveryPort } : {}),
        ...(values['no-audio'] ? { audio: false } : {}),
        ...(values['no-model'] ? { model: false } : {}),
        journal: !values['no-journal'],
        announce: !values['no-announce'],
        resume: values.resume,
        ...(backupOf !== undefined ? { backupOf } : {}),
        ...(values['no-run-log'] ? {} : { runs: { dir: runsDirOf(showDir) } }),
      });
    } catch (err) {
      startup.failed();
      throw err;
    }
    startup.started();
    const stopped = new Promise<number>((resolveExit) => {
      let stopping = false;
      const stop = (signal: NodeJS.Signals): void => {
        if (stopping) return;
        stopping = true;
        ctx.stderr(`precue: ${signal}: stopping cleanly\n`);
        engine.stop('clean').then(
          () => resolveExit(EXIT.ok),
          (err: unknown) => {
            ctx.stderr(`precue: stop failed: ${err instanceof Error ? err.message : String(err)}\n`);
            resolveExit(EXIT.failed);
          },
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    // The handlers are in place before anyone is told how to stop it.
    ctx.stdout(`precue: running\n${engine.banner.map((l) => `  ${l}`).join('\n')}\n  stop with Ctrl-C\n`);
    return await stopped;
  },
};
