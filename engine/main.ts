/**
 * The one composition root: builds the pipeline for a show and wires the edges (audio, DMX, OSC,
 * MIDI, VISCA, the console server) to the pure core. Everything is made here with constructor
 * arguments; nothing below reaches for a global. `process.exit` is never called here: the CLI owns it.
 */
import { randomUUID } from 'node:crypto';
import { relative, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { asyncScheduler, interval, merge, type Observable, Subject, Subscription } from 'rxjs';
import type { ConsoleInput } from './core/arbiter/arbiter.js';
import type { Prediction } from './core/arbiter/types.js';
import { timecodeTriggers } from './core/arbiter/timecode.js';
import { deptId, type DeptId } from './core/ids.js';
import { predictCues } from './core/model/predictor.js';
import { modelListening } from './core/model/types.js';
import { ConsoleModel } from './core/console/consoleModel.js';
import type { ControlEvent } from './core/control.js';
import { DeviceError } from './core/errors.js';
import type { FixtureProfile } from './core/fixtures/profile.js';
import { createLogger, type Logger } from './core/log.js';
import { buildShowPipeline, type ShowPipeline } from './core/pipeline.js';
import { catalogFromDefinitions } from './core/show/catalog.js';
import type { DmxDriverConfig, ShowFile } from './core/show/schema.js';
import { openShowAudio } from './io/audio/showAudio.js';
import { listenInWorker, type WorkerListening } from './io/audio/workerListen.js';
import { loadShowRehearsals } from './io/takes/beatGrid.js';
import { FrameClock } from './io/frameClock/frameClock.js';
import { OscControlListener } from './io/osc/oscControlListener.js';
import { openMessageOutputs } from './io/osc/outputMessages.js';
import { loadFixtureLibrary } from './io/fixtures/loadFixtureLibrary.js';
import { loadModelFolder, MODEL_META_FILE, type ModelFolder } from './io/model/modelFolder.js';
import { resolveRoleTokens, type TokenSources } from './io/server/auth.js';
import { buildConsolePage } from './io/server/page.js';
import { startConsoleServer, type ConsoleServer } from './io/server/server.js';
import { loadShow } from './io/show/loadShow.js';

/** How to run a show. */
export interface EngineConfig {
  readonly showDir: string;
  readonly venue?: string;
  readonly fixturesDir: string;
  /** The console server, or null for none. */
  readonly console: {
    readonly host: string;
    readonly port: number;
    readonly tokens: TokenSources;
    readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
    readonly allowedOrigins?: readonly string[];
  } | null;
  /** Send every Art-Net universe to this host instead of the show's (tests, a desk without the rig). */
  readonly artnetHost?: string;
  /** Send every Art-Net universe to this UDP port instead of the show's. */
  readonly artnetPort?: number;
  /** Listen for OSC control on this UDP port instead of the show's (0 picks a free one: tests). */
  readonly oscInPort?: number;
  /** False: do not load the show's model (every department runs by hand). */
  readonly model?: boolean;
  /** False: ignore the show's audio input (no listening, effects hold still). */
  readonly audio?: boolean;
  /** DMX frame rate of the playback loop (default 44 Hz; each universe's own rate governs sending). */
  readonly frameRateHz?: number;
}

/** A running engine. */
export interface RunningEngine {
  readonly show: ShowFile;
  readonly pipeline: ShowPipeline;
  /** Lines for the start banner: where the output goes, the console URL. */
  readonly banner: readonly string[];
  readonly server: ConsoleServer | null;
  /** The console URL with the operator token (local desk), when there is one. */
  readonly operatorUrl: string | null;
  /**
   * Stops everything. `clean`: sACN says goodbye so receivers release at once; `hold`: receivers keep
   * the last look (what a crash would do).
   */
  stop(mode: 'clean' | 'hold'): Promise<void>;
}

function withOverrides(show: ShowFile, config: EngineConfig): ShowFile {
  if (config.artnetHost === undefined && config.artnetPort === undefined) return show;
  const universes = show.outputs.universes.map((u) => {
    if (u.driver.kind !== 'artnet') return u;
    const driver: DmxDriverConfig = { ...u.driver, host: config.artnetHost ?? u.driver.host, port: config.artnetPort ?? u.driver.port };
    return { ...u, driver };
  });
  return { ...show, outputs: { ...show.outputs, universes } };
}

function describeDriver(d: DmxDriverConfig): string {
  switch (d.kind) {
    case 'artnet':
      return `Art-Net to ${d.host}:${d.port} (net ${d.net}, subnet ${d.subnet}, universe ${d.universe})`;
    case 'sacn':
      return `sACN universe ${d.universe} priority ${d.priority} ${d.host !== undefined ? `to ${d.host}` : 'multicast'}:${d.port}`;
    case 'enttec-usb-pro':
      return `Enttec DMX USB Pro on ${d.port}`;
    case 'open-dmx':
      return `Open DMX on ${d.port}`;
    case 'null':
      return 'nowhere (null driver)';
    default:
      return 'unknown driver';
  }
}

/** Loads the show and starts every part of the engine. Rejects with a clear error if it cannot. */
export async function startEngine(config: EngineConfig, log: Logger = createLogger('main')): Promise<RunningEngine> {
  const scheduler = asyncScheduler;
  const library = await loadFixtureLibrary(resolve(config.fixturesDir));
  for (const p of library.problems) log.warn(`fixture file left out: ${p.file}: ${p.message}`);
  const loaded = await loadShow(config.showDir, catalogFromDefinitions(library), config.venue);
  const show = withOverrides(loaded.show, config);

  const profiles = new Map<string, FixtureProfile>();
  for (const f of show.fixtures) {
    const options = { ...(f.invertPan !== undefined ? { invertPan: f.invertPan } : {}), ...(f.invertTilt !== undefined ? { invertTilt: f.invertTilt } : {}) };
    profiles.set(f.id, library.profile(f.type, f.mode, options));
  }

  const subscription = new Subscription();
  const console$ = new Subject<ConsoleInput>();
  const banner: string[] = [`show: ${show.name} (${relative(process.cwd(), loaded.dir) || '.'}${loaded.venue !== undefined ? `, venue ${loaded.venue}` : ''})`];

  // The model, first: it fixes the analysis settings it was trained with.
  let cueModel: ModelFolder | undefined;
  const listensToAudio = show.audio !== undefined && config.audio !== false;
  if (config.model === false) {
    banner.push('model: off (--no-model); departments run by hand');
  } else if (show.model.enabled && listensToAudio) {
    const dir = resolve(loaded.dir, show.model.path);
    if (!existsSync(resolve(dir, MODEL_META_FILE))) {
      banner.push(`model: none in ${relative(process.cwd(), dir) || dir} (train one with 'precue train'); departments run by hand`);
    } else {
      try {
        cueModel = await loadModelFolder(dir);
        const tempo = cueModel.meta.features.tempo;
        banner.push(`model: ${relative(process.cwd(), dir) || dir} (${cueModel.meta.depts.join(', ')}${tempo !== undefined ? `; tempo ${tempo.minBpm.toFixed(0)}–${tempo.maxBpm.toFixed(0)} BPM from the rehearsals` : ''})`);
      } catch (err) {
        // A broken model never stops the show: the operator runs it by hand.
        banner.push(`model: NOT LOADED — ${err instanceof Error ? err.message : String(err)}; departments run by hand`);
      }
    }
  }

  // Listening: the show's audio, analysed in a worker thread so a heavy frame never delays DMX.
  let listening: WorkerListening | undefined;
  if (show.audio !== undefined && listensToAudio) {
    const audio = await openShowAudio(show.audio.source, loaded.dir, scheduler);
    const f = cueModel?.meta.features;
    const settings = cueModel !== undefined ? modelListening(cueModel.meta) : { bufferSize: show.audio.bufferSize, hopSize: show.audio.hopSize };
    if (f !== undefined && (f.bufferSize !== show.audio.bufferSize || f.hopSize !== show.audio.hopSize)) {
      log.warn(`the model was trained with analysis buffer ${f.bufferSize}/hop ${f.hopSize}; using those instead of the show's ${show.audio.bufferSize}/${show.audio.hopSize}`);
    }
    // The beat tracker, guided by the rehearsals' grids when the show names them.
    const priors = await loadShowRehearsals(show.audio.rehearsals, loaded.dir, settings);
    listening = listenInWorker(audio.blocks$, { ...settings, tracker: show.audio.tracker, ...(priors.references.length > 0 ? { rehearsals: priors.references } : {}) });
    banner.push(`audio: ${audio.description}; ${show.audio.tracker} beat tracker`, ...priors.lines);
  } else {
    banner.push('audio: none (the show has no audio input)');
  }

  // Remote control: OSC (QLab-style addresses and Precue's own).
  const controls: Array<Observable<ControlEvent>> = [];
  let oscIn: OscControlListener | undefined;
  if (show.inputs.osc !== undefined) {
    oscIn = new OscControlListener({ ...show.inputs.osc, ...(config.oscInPort !== undefined ? { port: config.oscInPort } : {}) }, createLogger('io/osc-in'));
    await oscIn.open();
    controls.push(oscIn.commands$);
    banner.push(`OSC control in: ${show.inputs.osc.host}:${oscIn.port}${show.inputs.osc.allow !== undefined ? ` (from ${show.inputs.osc.allow.join(', ')})` : ''}`);
  }

  // The model's cue history: what really fired, whoever fired it (fed from playback below).
  const fired$ = new Subject<{ dept: string; cue: string; t: number }>();
  // Messages (OSC, MIDI/MSC, VISCA) out; MSC and MIDI timecode in.
  const deptForFormat = (format: number): DeptId | undefined => {
    // MSC command formats name a department kind: 0x01 lighting, 0x30 video, 0x10 sound; else the first.
    const wanted = format >= 0x01 && format <= 0x0f ? 'LX' : format >= 0x30 && format <= 0x3f ? 'VID' : undefined;
    const found = show.departments.find((d) => d.id === wanted) ?? show.departments[0];
    return found === undefined ? undefined : deptId(found.id);
  };
  const messageOutputs = await openMessageOutputs(show.outputs, show.inputs, { deptForFormat, log: createLogger('io/outputs') });
  banner.push(...messageOutputs.banner);
  controls.push(messageOutputs.midi.commands$);
  if (show.inputs.timecode !== undefined) {
    controls.push(messageOutputs.midi.timecode$.pipe(timecodeTriggers(show)));
    banner.push(`timecode: chasing MTC on '${show.inputs.timecode.midiPort}' at ${show.inputs.timecode.fps} fps`);
  }

  // Audio time 0 is now: the audio source starts when the pipeline subscribes to it, just below.
  const audioOffsetMs = scheduler.now();
  const predictions$: Observable<Prediction> | undefined =
    cueModel !== undefined && listening !== undefined ? predictCues(cueModel, listening, { fired$, audioOffsetMs }, scheduler) : undefined;

  const pipeline = buildShowPipeline(
    show,
    profiles,
    {
      console$,
      ...(controls.length > 0 ? { controls$: merge(...controls) } : {}),
      ...(listening !== undefined ? { listening } : {}),
      ...(predictions$ !== undefined ? { predictions$ } : {}),
      audioOffsetMs,
      log: createLogger('core/pipeline'),
    },
    scheduler,
  );
  subscription.add(pipeline.messages$.subscribe((m) => messageOutputs.sender.send(m.message)));
  subscription.add(
    pipeline.decisions$.subscribe((d) => {
      if (d.action === 'panic') messageOutputs.sender.panic();
    }),
  );

  // The model's cue history follows what really fired, whoever fired it.
  subscription.add(
    pipeline.playback.events$.subscribe((e) => {
      if (e.kind === 'fire') fired$.next({ dept: e.dept, cue: e.cue, t: e.tMs / 1000 });
    }),
  );
  if (listening !== undefined) {
    // Keep the analysis running even when nothing else listens to a stream; report a failure once.
    const failed = (err: unknown): void => log.error(`listening stopped: ${err instanceof Error ? err.message : String(err)}; outputs hold, cues still run by hand`);
    subscription.add(listening.sections$.subscribe({ error: failed }));
    subscription.add(listening.tempo$.subscribe({ error: () => undefined }));
  }

  // DMX: the frame clock's worker sends at each universe's rate; the main thread hands it new looks.
  const clock = await FrameClock.start({ universes: show.outputs.universes, log: createLogger('io/frameClock') });
  const frameRateHz = config.frameRateHz ?? 44;
  subscription.add(
    interval(1000 / frameRateHz, scheduler).subscribe(() => {
      const now = scheduler.now();
      for (const id of pipeline.frame(now)) clock.write(id, pipeline.outputs.get(id)!);
    }),
  );

  for (const u of show.outputs.universes) banner.push(`DMX universe ${u.id}${u.label !== undefined ? ` (${u.label})` : ''}: ${describeDriver(u.driver)} at ${u.rateHz} Hz`);
  for (const e of clock.openErrors) banner.push(`  not sending: ${e.message}`);
  for (const t of show.outputs.osc) banner.push(`OSC ${t.id}: ${t.host}:${t.port}`);
  for (const c of show.outputs.visca) banner.push(`VISCA camera ${c.id}: ${c.host}:${c.port}`);

  let server: ConsoleServer | null = null;
  let operatorUrl: string | null = null;
  let model: ConsoleModel | null = null;
  if (config.console !== null) {
    const tokens = resolveRoleTokens({ ...config.console.tokens, showDir: loaded.dir });
    for (const w of tokens.warnings) log.warn(w);
    model = new ConsoleModel(
      pipeline,
      { engineId: randomUUID(), showName: show.name, showPath: loaded.dir, commands: console$, ...(listening !== undefined ? { listening, audioOffsetMs } : {}) },
      scheduler,
    );
    const page = await buildConsolePage();
    try {
      server = await startConsoleServer({
        engine: model,
        tokens: tokens.tokens,
        host: config.console.host,
        port: config.console.port,
        page,
        ...(config.console.tls !== undefined ? { tls: config.console.tls } : {}),
        ...(config.console.allowedOrigins !== undefined ? { allowedOrigins: config.console.allowedOrigins } : {}),
        log: createLogger('io/server'),
      });
    } catch (err) {
      await clock.stop('hold');
      pipeline.dispose();
      const code = (err as NodeJS.ErrnoException).code;
      throw new DeviceError(
        `console server ${config.console.host}:${config.console.port}`,
        code === 'EADDRINUSE' ? 'the port is already in use' : `cannot listen (${err instanceof Error ? err.message : String(err)})`,
        code === 'EADDRINUSE' ? 'stop the other engine or pass --port <n>' : undefined,
        { cause: err },
      );
    }
    const operator = tokens.tokens.operator;
    operatorUrl = operator !== undefined ? server.consoleUrl(operator) : null;
    banner.push(`console: ${operatorUrl ?? server.url}${tokens.generated.includes('operator') ? '  (operator token generated for this run)' : ''}`);
    const roles = (['viewer', 'operator', 'admin'] as const).filter((r) => tokens.tokens[r] !== undefined);
    banner.push(`console roles: ${roles.map((r) => `${r} (${tokens.sources[r] ?? '?'})`).join(', ')}`);
  }

  let stopped: Promise<void> | undefined;
  return {
    show,
    pipeline,
    banner,
    server,
    operatorUrl,
    stop(mode) {
      stopped ??= (async () => {
        subscription.unsubscribe();
        await server?.close();
        model?.dispose();
        await listening?.close();
        await oscIn?.close();
        await messageOutputs.close();
        pipeline.dispose();
        console$.complete();
        await clock.stop(mode);
      })();
      return stopped;
    },
  };
}
