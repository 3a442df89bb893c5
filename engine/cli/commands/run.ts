import { existsSync, readFileSync } from 'node:fs';
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
