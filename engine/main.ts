/**
 * The one composition root: loads a show, opens its edges (audio, DMX, OSC, MIDI, VISCA, the console
 * server) and wires them to the one show pipeline (`buildShowPipeline`, which offline replays build
 * too). Everything is made here with constructor arguments; nothing below reaches for a global.
 * `process.exit` is never called here: the CLI owns it.
 *
 * Each step is a function of its own, in the order the engine starts: the show and its fixtures, the
 * model (it fixes the analysis settings), listening, controls in, messages out, the pipeline, DMX out,
 * the console. Every part opened registers how to close it, so a failure part-way closes what was
 * already open and nothing half-starts.
 */
import { randomUUID } from 'node:crypto';
import { relative, resolve } from 'node:path';
import { asyncScheduler, filter, merge, Observable, type Observer, type SchedulerLike, Subject, tap } from 'rxjs';
import type { PlaybackEvent } from './core/playback/deptPlayback.js';
import type { ConsoleInput, CueListChange } from './core/arbiter/arbiter.js';
import { timecodeTriggers } from './core/arbiter/timecode.js';
import type { AudioBlock, ListeningSettings, ListeningStreams } from './core/audio/types.js';
import { chooseTracker } from './core/audio/listen.js';
import { defaultListeningSettings } from './core/audio/types.js';
import { compareCueNumbers, cueId, deptId, type DeptId } from './core/ids.js';
import { modelPredictor } from './core/model/predictor.js';
import { modelListening } from './core/model/types.js';
import { describeModelCoverage } from './core/model/coverage.js';
import { ConsoleModel, type ConsoleModelOptions } from './core/console/consoleModel.js';
import type { ControlEvent } from './core/control.js';
import { DeviceError } from './core/errors.js';
import type { FixtureProfile } from './core/fixtures/profile.js';
import { createLogger, type Logger } from './core/log.js';
import { buildShowPipeline, DEFAULT_FRAME_RATE_HZ, type ShowPipeline } from './core/pipeline.js';
import { warmUpGoPath } from './core/warmUp.js';
import { catalogFromDefinitions } from './core/show/catalog.js';
import type { FixtureCatalog } from './core/show/validate.js';
import { ShowEditor } from './core/edit/showEditor.js';
import { playbackEditTarget } from './core/edit/playbackTarget.js';
import { openShowFile } from './io/show/showStore.js';
import { TimelineRecorder } from './core/timeline/timelineRecorder.js';
import { rehearsalForTimeline } from './io/takes/rehearsalTimeline.js';
import type { DmxDriverConfig, OscControlInput, ShowFile } from './core/show/schema.js';
import { openShowAudio } from './io/audio/showAudio.js';
import { listenInWorker } from './io/audio/workerListen.js';
import { loadShowRehearsals } from './io/takes/beatGrid.js';
import { ArtPollResponder } from './io/dmx/artnetPollResponder.js';
import { showSacnCid, uuidV5 } from './io/dmx/sourceIdentity.js';
import { FrameClock } from './io/frameClock/frameClock.js';
import { openMixers } from './io/mixer/mixers.js';
import { handleAudioLoss } from './io/audio/audioLoss.js';
import { resilientAudio, type AudioInputStatus } from './io/audio/resilientAudio.js';
import { FrameTicks } from './io/frameTicks.js';
import { OscControlListener } from './io/osc/oscControlListener.js';
import { openMessageOutputs, type MessageOutputs } from './io/osc/outputMessages.js';
import { loadFixtureLibrary } from './io/fixtures/loadFixtureLibrary.js';
import type { ModelFolder } from './io/model/modelFolder.js';
import type { ResolvedTokens, TokenSources } from './io/server/auth.js';
import { resolveShowTokens } from './io/server/tokenStore.js';
import { buildConsolePage } from './io/server/page.js';
import { startConsoleServer, type ConsoleServer } from './io/server/server.js';
import { DeviceRegistry } from './io/devices/registry.js';
import { openVideoOutputs, type VideoOutputs } from './io/video/videoOutputs.js';
import { loadShow } from './io/show/loadShow.js';
import { ENGINE_VERSION } from './io/version.js';
import { describeResume, type ResumePoint } from './core/continuity/journal.js';
import { ContinuityRecord, INITIAL_CONTINUITY } from './core/continuity/record.js';
import { resumeShow } from './core/continuity/resume.js';
import { journalShow } from './io/continuity/journalFeed.js';
import { JournalFile } from './io/continuity/journalFile.js';
import { Standby, standbyOutputMode } from './io/continuity/standby.js';
import { Discovery, PRECUE_SERVICE_TYPE, type Announcement } from './io/continuity/discovery.js';
import type { OutputMode } from './io/frameClock/protocol.js';
import { purgeRuns } from './io/runs/retention.js';
import { RunRecorder } from './io/runs/runRecorder.js';

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
  /** Answer ArtPoll on this UDP port instead of Art-Net's 6454 (0 picks a free one: tests). */
  readonly artnetDiscoveryPort?: number;
  /** Listen for OSC control on this UDP port instead of the show's (0 picks a free one: tests). */
  readonly oscInPort?: number;
  /** False: do not load the show's model (every department runs by hand). */
  readonly model?: boolean;
  /** False: ignore the show's audio input (no listening, effects hold still). */
  readonly audio?: boolean;
  /** Every department in `auto` whatever the show says (an unattended reference recording). */
  readonly allAuto?: boolean;
  /** DMX frame rate of the playback loop (default `DEFAULT_FRAME_RATE_HZ`; each universe's own rate governs sending). */
  readonly frameRateHz?: number;
  /** Run as a hot standby of the primary at `address` (`host:port` of its console), with a token it accepts. */
  readonly backupOf?: { readonly address: string; readonly token: string };
  /**
   * Journal the show to `journal.jsonl` in its folder and resume from it: after a crash always, after a
   * clean stop only with `resume` (default: no journal; `precue run` journals).
   */
  readonly journal?: boolean;
  /** Resume from the journal even after a clean stop. */
  readonly resume?: boolean;
  /** Announce the console over mDNS/DNS-SD and list the engines heard (default false; `precue run` announces). */
  readonly announce?: boolean;
  /**
   * Write this run to disk (`<dir>/run-…/decisions.jsonl`, fixture usage, the audio when the show keeps
   * it) and apply the show's retention to earlier runs there. Absent: nothing is written (tests).
   */
  readonly runs?: { readonly dir: string; readonly maxLogBytes?: number };
}

/** Listening with a way to stop it (the analysis worker, or an in-process stand-in). */
export type ClosableListening = ListeningStreams & { close(): Promise<void>; /** Resolves once the analysis can take audio (a worker that has loaded). */ readonly ready?: Promise<void> };

/**
 * Parts a test may replace: the clock, and where listening comes from. By default the wall clock and
 * the show's audio source analysed in a worker thread. The live=offline test runs the whole
 * composition on a virtual clock with in-process listening over a take's blocks.
 */
export interface EngineParts {
  readonly scheduler?: SchedulerLike;
  /** Listening for the show (given the analysis settings the model or the show asks for). */
  readonly listen?: (settings: Partial<ListeningSettings>) => ClosableListening;
  /**
   * Sees every block of the show's audio as the engine hears it, on the engine's one audio clock
   * (`precue record` writes the take from these: never a second copy of the input).
   */
  readonly tapAudio?: Partial<Observer<AudioBlock>>;
  /**
   * Called once the pipeline exists, before any cue can fire, with engine ms of audio time 0: what
   * playback fires from then on (start cues included) is on the same clock as `tapAudio`'s blocks.
   */
  readonly onPipeline?: (pipeline: ShowPipeline, audioOffsetMs: number) => void;
}

/** A running engine. */
export interface RunningEngine {
  readonly show: ShowFile;
  readonly pipeline: ShowPipeline;
  /** The loaded cue model, if any. */
  readonly model: ModelFolder | undefined;
  /** Lines for the start banner: where the output goes, the console URL. */
  readonly banner: readonly string[];
  readonly server: ConsoleServer | null;
  /** The console URL with the operator token (local desk), when there is one. */
  readonly operatorUrl: string | null;
  /** External devices (switchers, playout…) and their health, as the console shows them. */
  readonly devices: DeviceRegistry;
  /** Cameras and their tally, as the console shows them. */
  readonly cameras: VideoOutputs['cameras'];
  /**
   * Stops everything. `clean`: sACN says goodbye so receivers release at once; `hold`: receivers keep
   * the last look (what a crash would do).
   */
  stop(mode: 'clean' | 'hold'): Promise<void>;
}

/** What was opened so far, closed in reverse order. */
class Closers {
  private readonly list: Array<(mode: 'clean' | 'hold') => Promise<void> | void> = [];

  add(close: (mode: 'clean' | 'hold') => Promise<void> | void): void {
    this.list.push(close);
  }

  async closeAll(mode: 'clean' | 'hold', log: Logger): Promise<void> {
    for (const close of this.list.splice(0).reverse()) {
      try {
        await close(mode);
      } catch (err) {
        log.error(`stopping: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}

function withOverrides(show: ShowFile, config: EngineConfig): ShowFile {
  const departments = config.allAuto === true ? show.departments.map((d) => ({ ...d, mode: 'auto' as const })) : show.departments;
  if (config.artnetHost === undefined && config.artnetPort === undefined) return { ...show, departments };
  const universes = show.outputs.universes.map((u) => {
    if (u.driver.kind !== 'artnet') return u;
    const driver: DmxDriverConfig = { ...u.driver, host: config.artnetHost ?? u.driver.host, port: config.artnetPort ?? u.driver.port };
    return { ...u, driver };
  });
  return { ...show, departments, outputs: { ...show.outputs, universes } };
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

/** The show (venue applied) and a fixture profile per patched fixture. */
async function loadShowParts(config: EngineConfig, banner: string[], log: Logger): Promise<{ show: ShowFile; dir: string; profiles: Map<string, FixtureProfile>; catalog: FixtureCatalog }> {
  const library = await loadFixtureLibrary(resolve(config.fixturesDir));
  for (const p of library.problems) log.warn(`fixture file left out: ${p.file}: ${p.message}`);
  const catalog = catalogFromDefinitions(library);
  const loaded = await loadShow(config.showDir, catalog, config.venue);
  const show = withOverrides(loaded.show, config);
  const profiles = new Map<string, FixtureProfile>();
  for (const f of show.fixtures) {
    const options = { ...(f.invertPan !== undefined ? { invertPan: f.invertPan } : {}), ...(f.invertTilt !== undefined ? { invertTilt: f.invertTilt } : {}) };
    const profile = library.profile(f.type, f.mode, options);
    if (profile.darkBy === 'none') for (const w of profile.warnings) log.warn(`fixture '${f.id}' (${f.type}): ${w}`);
    profiles.set(f.id, profile);
  }
  banner.push(`show: ${show.name} (${relative(process.cwd(), loaded.dir) || '.'}${loaded.venue !== undefined ? `, venue ${loaded.venue}` : ''})`);
  if (config.allAuto === true) banner.push('every department in auto (--auto), whatever the show says');
  return { show, dir: loaded.dir, profiles, catalog };
}

/**
 * The show editor: programming from the console, saved to the show folder's `show.json`. A show file
 * that cannot be read as a document leaves the show running without editing (the banner says why).
 */
async function openShowEditor(dir: string, show: ShowFile, catalog: FixtureCatalog, pipeline: ShowPipeline, scheduler: SchedulerLike, closers: Closers, banner: string[], log: Logger): Promise<ShowEditor | undefined> {
  try {
    const { doc, store } = await openShowFile(dir);
    const editor = new ShowEditor(doc, show, catalog, playbackEditTarget(pipeline.playback, store.file ?? 'show.json'), store, () => scheduler.now());
    closers.add(() => editor.dispose());
    banner.push(`programming: edits from the console are saved to ${store.file ?? 'show.json'} (previous version kept as .bak)`);
    return editor;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    log.warn(`programming off: ${why}`);
    banner.push(`programming: off (${why})`);
    return undefined;
  }
}

/**
 * The show's cue model, when it has one and may use it. A missing or refused model never stops the
 * show: the banner says why, and every department runs by hand.
 */
async function loadCueModel(config: EngineConfig, show: ShowFile, showDir: string, banner: string[]): Promise<ModelFolder | undefined> {
  if (config.model === false) {
    banner.push('model: off (--no-model); departments run by hand');
    return undefined;
  }
  if (!show.model.enabled || show.audio === undefined || config.audio === false) return undefined;
  const dir = resolve(showDir, show.model.path);
  const shown = relative(process.cwd(), dir) || dir;
  // TensorFlow.js loads only for a show that runs a model (~55 MB and most of a second saved otherwise).
  const { loadModelFolder, modelFolderToLoad } = await import('./io/model/modelFolder.js');
  if (modelFolderToLoad(dir) === undefined) {
    banner.push(`model: none in ${shown} (train one with 'precue train'); departments run by hand`);
    return undefined;
  }
  try {
    const model = await loadModelFolder(dir);
    const tempo = model.meta.features.tempo;
    banner.push(`model: ${shown} (${model.meta.depts.join(', ')}${tempo !== undefined ? `; tempo ${tempo.minBpm.toFixed(0)}–${tempo.maxBpm.toFixed(0)} BPM from the rehearsals` : ''})`);
    banner.push(...describeModelCoverage(model.meta, show));
    return model;
  } catch (err) {
    banner.push(`model: NOT LOADED — ${err instanceof Error ? err.message : String(err)}; departments run by hand`);
    return undefined;
  }
}

/** Listening: the show's audio, analysed in a worker thread so a heavy frame never delays DMX. */
async function openListening(
  config: EngineConfig,
  show: ShowFile,
  showDir: string,
  model: ModelFolder | undefined,
  parts: EngineParts,
  scheduler: SchedulerLike,
  banner: string[],
  log: Logger,
  audioStatus?: { next(s: AudioInputStatus): void },
): Promise<ClosableListening | undefined> {
  if (show.audio === undefined || config.audio === false) {
    banner.push(config.audio === false ? 'audio: off (--no-audio)' : 'audio: none (the show has no audio input)');
    return undefined;
  }
  const f = model?.meta.features;
  const settings = model !== undefined ? modelListening(model.meta) : { bufferSize: show.audio.bufferSize, hopSize: show.audio.hopSize };
  if (f !== undefined && (f.bufferSize !== show.audio.bufferSize || f.hopSize !== show.audio.hopSize)) {
    log.warn(`the model was trained with analysis buffer ${f.bufferSize}/hop ${f.hopSize}; using those instead of the show's ${show.audio.bufferSize}/${show.audio.hopSize}`);
  }
  if (parts.listen !== undefined) {
    banner.push('audio: supplied by the caller');
    return whenReady(parts.listen(settings));
  }
  const audio = await openShowAudio(show.audio.source, showDir, scheduler);
  // The beat tracker, guided by the rehearsals' grids when the show names them (the learned one only).
  const gridsUnused = show.audio.tracker === 'dsp' && show.audio.rehearsals.length > 0;
  const tracker = chooseTracker(show.audio.tracker, show.audio.rehearsals.length > 0 && !gridsUnused);
  const priors = gridsUnused ? { references: [], lines: ["rehearsal grids: NOT USED — they guide the learned tracker only (audio.tracker is 'dsp')"] } : await loadShowRehearsals(show.audio.rehearsals, showDir, settings);
  banner.push(`audio: ${audio.description}; ${tracker} beat tracker`, ...priors.lines);
  // precue train and eval listen with the default tracker: a model hears other beats from another one.
  if (model !== undefined && tracker !== defaultListeningSettings.tracker) {
    banner.push(`WARNING: the model was trained on the ${defaultListeningSettings.tracker} tracker's beats; live it hears the ${tracker} tracker's, so its scores from precue eval do not hold here`);
  }
  // A live input that dies (capture process, unplugged sound card) is re-opened until it returns.
  const live = show.audio.source.kind === 'capture' && audioStatus !== undefined ? resilientAudio(() => audio.blocks$, { onStatus: (s) => audioStatus.next(s) }, scheduler) : audio.blocks$;
  return whenReady(listenInWorker(parts.tapAudio !== undefined ? live.pipe(tap(parts.tapAudio)) : live, {
    ...settings,
    tracker,
    ...(priors.references.length > 0 ? { rehearsals: priors.references } : {}),
  }));
}

/**
 * Audio time 0 is taken once the analysis can keep up from the first block: a worker still loading
 * its code would otherwise let the first seconds of audio queue up and every early cue go late.
 */
async function whenReady(listening: ClosableListening): Promise<ClosableListening> {
  if (listening.ready === undefined) return listening;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      listening.ready,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DeviceError('audio analysis worker', `did not start within ${WORKER_START_LIMIT_MS / 1000} s`, 'check the machine is not overloaded')), WORKER_START_LIMIT_MS);
      }),
    ]);
  } catch (err) {
    await listening.close();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return listening;
}

/** How long the audio analysis worker may take to load before the start fails. */
const WORKER_START_LIMIT_MS = 30_000;

/** One banner line for OSC control: where it listens, who may send, and a warning when anyone on the network may. */
function describeOscControl(osc: OscControlInput, port: number): string {
  const open = osc.host !== '127.0.0.1' && osc.host !== '::1' && osc.host !== 'localhost';
  const who = osc.allow !== undefined ? ` from ${osc.allow.join(', ')}` : open ? ' from ANYONE on the network (set inputs.osc.allow)' : '';
  const passcode = osc.passcode !== undefined ? ', /connect passcode required' : '';
  const replies = osc.replyPort !== undefined ? `, replies to port ${osc.replyPort}` : ', replies to the sender';
  return `OSC control in: ${osc.host}:${port}${who}${passcode}${replies}`;
}

/** OSC control in (QLab-style dictionary, see the README); it answers from the console model once that exists. */
async function openOscControl(config: EngineConfig, show: ShowFile, closers: Closers, banner: string[]): Promise<OscControlListener | undefined> {
  if (show.inputs.osc === undefined) return undefined;
  const oscIn = new OscControlListener({ ...show.inputs.osc, ...(config.oscInPort !== undefined ? { port: config.oscInPort } : {}) }, createLogger('io/osc-in'));
  await oscIn.open();
  closers.add(() => oscIn.close());
  banner.push(describeOscControl(show.inputs.osc, oscIn.port));
  return oscIn;
}

/** Messages (OSC, MIDI/MSC, VISCA) out; MSC and MIDI timecode in. */
async function openMessages(show: ShowFile, closers: Closers, banner: string[]): Promise<{ outputs: MessageOutputs; controls: Observable<ControlEvent>[] }> {
  const deptForFormat = (format: number): DeptId | undefined => {
    // MSC command formats name a department kind: 0x01 lighting, 0x30 video, 0x10 sound; else the first.
    const wanted = format >= 0x01 && format <= 0x0f ? 'LX' : format >= 0x30 && format <= 0x3f ? 'VID' : undefined;
    const found = show.departments.find((d) => d.id === wanted) ?? show.departments[0];
    return found === undefined ? undefined : deptId(found.id);
  };
  // PANIC sends MSC ALL_OFF to the ports the show speaks MSC to.
  const mscPorts = [...new Set(show.departments.flatMap((d) => d.cues.flatMap((c) => (c.messages ?? []).flatMap((m) => (m.kind === 'msc' ? [m.target] : [])))))];
  // MSC RESET puts every stack back to its first cue.
  const firstCues = new Map(
    show.departments.flatMap((d) => {
      const first = [...d.cues].sort((a, b) => compareCueNumbers(a.number, b.number))[0];
      return first === undefined ? [] : [[deptId(d.id), cueId(first.number)] as const];
    }),
  );
  const outputs = await openMessageOutputs(show.outputs, show.inputs, { deptForFormat, mscPorts, firstCues, log: createLogger('io/outputs') });
  closers.add(() => outputs.close());
  banner.push(...outputs.banner);
  const controls: Observable<ControlEvent>[] = [outputs.midi.commands$];
  if (show.inputs.timecode !== undefined) {
    controls.push(outputs.midi.timecode$.pipe(timecodeTriggers(show)));
    banner.push(`timecode: chasing MTC on '${show.inputs.timecode.midiPort}' at ${show.inputs.timecode.fps} fps`);
  }
  for (const t of show.outputs.osc) banner.push(`OSC ${t.id}: ${t.host}:${t.port}`);
  for (const c of show.outputs.visca) banner.push(`VISCA camera ${c.id}: ${c.host}:${c.port}`);
  return { outputs, controls };
}

/**
 * The video outputs (switchers and playout servers, their links added to `devices`), opened before the
 * pipeline so that routing them is in place before playback can send a message.
 */
async function openVideo(show: ShowFile, messages: MessageOutputs, devices: DeviceRegistry, scheduler: SchedulerLike, closers: Closers, banner: string[]): Promise<VideoOutputs> {
  const video = await openVideoOutputs(show, { visca: messages.cameras, fallback: messages.sender, registry: devices }, scheduler);
  closers.add(() => video.close());
  banner.push(...video.banner);
  return video;
}

/** Every cue message goes through the video outputs, so shots and camera moves are tally-checked. */
function routeMessages(video: VideoOutputs, messages: MessageOutputs, pipeline: ShowPipeline, closers: Closers, speaks: () => boolean): void {
  // A hot standby that follows sends no messages: its primary sends them (a clip would start twice).
  const routed = pipeline.messages$.pipe(filter(() => speaks())).subscribe((m) => video.route(m));
  routed.add(video.follow(pipeline.playback));
  routed.add(
    pipeline.decisions$.subscribe((d) => {
      if (d.action !== 'panic' || !speaks()) return;
      video.panic();
      messages.sender.panic();
    }),
  );
  closers.add(() => routed.unsubscribe());
}

/**
 * Starts answering ArtPoll when the show sends Art-Net, so consoles and visualisers list us. A port
 * that cannot be bound never stops the show: the banner says discovery is off and why.
 */
async function openArtnetDiscovery(show: ShowFile, port: number | undefined, closers: Closers, banner: string[], log: Logger): Promise<void> {
  const artnet = show.outputs.universes.flatMap((u) => (u.driver.kind === 'artnet' ? [u.driver] : []));
  if (artnet.length === 0) return;
  const iface = artnet.find((d) => d.interface !== undefined)?.interface;
  const [major = 0, minor = 0] = ENGINE_VERSION.split('.').map(Number);
  const responder = new ArtPollResponder({
    universes: artnet,
    shortName: 'Precue',
    longName: `Precue - ${show.name}`,
    ...(port !== undefined ? { port } : {}),
    ...(iface !== undefined ? { interface: iface } : {}),
    refreshRateHz: Math.max(...show.outputs.universes.map((u) => u.rateHz)),
    version: { major, minor },
    log: createLogger('io/artnet-discovery'),
  });
  try {
    await responder.open();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log.warn(`Art-Net discovery off: ${message}`);
    banner.push(`Art-Net discovery: off (${message})`);
    return;
  }
  closers.add(() => responder.close());
  banner.push(`Art-Net discovery: answering ArtPoll on UDP ${responder.port} as 'Precue' (${artnet.length} port${artnet.length === 1 ? '' : 's'})`);
}

/** DMX: the frame clock's worker sends at each universe's rate; the frame loop hands it new looks. */
async function startDmx(
  config: EngineConfig,
  show: ShowFile,
  pipeline: ShowPipeline,
  scheduler: SchedulerLike,
  closers: Closers,
  banner: string[],
  log: Logger,
  start: { readonly initial?: ReadonlyMap<number, Uint8Array>; readonly outputMode?: OutputMode } = {},
): Promise<{ ticks: FrameTicks; clock: FrameClock }> {
  // The sACN CID stays the same across restarts of this show on this machine (receivers see one
  // source); a standby is a source of its own (receivers weigh the two by priority).
  const sacnCid = config.backupOf !== undefined ? standbySacnCid(show) : showSacnCid(show.name, show.outputs.sacnCid);
  const clock = await FrameClock.start({
    universes: show.outputs.universes,
    cid: sacnCid,
    ...(start.initial !== undefined ? { initial: start.initial } : {}),
    ...(start.outputMode !== undefined ? { outputMode: start.outputMode } : {}),
    log: createLogger('io/frameClock'),
  });
  closers.add((mode) => clock.stop(mode));
  // Live, the loop rests while nothing moves and runs a frame the moment something does.
  const ticks = new FrameTicks();
  const frames = pipeline.runFrames(
    (now, changed, urgent) => {
      const moving = pipeline.busy(now);
      ticks.tick(moving);
      for (const id of changed) clock.write(id, pipeline.outputs.get(id)!);
      if (urgent && changed.length > 0) clock.sendNow();
      clock.setMoving(moving);
    },
    { rateHz: config.frameRateHz ?? DEFAULT_FRAME_RATE_HZ, restWhenIdle: true },
  );
  closers.add(() => frames.unsubscribe());
  // PANIC goes to the frame clock at once, not at the next tick: it is on the wire within one frame.
  const panicNow = pipeline.decisions$.subscribe((d) => {
    if (d.action !== 'panic') return;
    for (const id of pipeline.frame(scheduler.now())) clock.write(id, pipeline.outputs.get(id)!);
    clock.sendNow();
  });
  closers.add(() => panicNow.unsubscribe());
  for (const u of show.outputs.universes) banner.push(`DMX universe ${u.id}${u.label !== undefined ? ` (${u.label})` : ''}: ${describeDriver(u.driver)} at ${u.rateHz} Hz`);
  for (const e of clock.openErrors) banner.push(`  not sending: ${e.message}`);
  if (show.outputs.universes.some((u) => u.driver.kind === 'sacn')) banner.push(`sACN source CID ${sacnCid}${show.outputs.sacnCid === undefined ? ' (this show on this machine)' : ''}, universe discovery every 10 s`);
  await openArtnetDiscovery(show, config.artnetDiscoveryPort, closers, banner, log);
  return { ticks, clock };
}

/** A standby's sACN CID: its own source, stable across its restarts, never the primary's. */
function standbySacnCid(show: ShowFile): string {
  return uuidV5(showSacnCid(show.name, show.outputs.sacnCid), 'precue standby');
}

/**
 * The show folder's journal: what it holds (the point to resume from) and the journal open for the
 * run. A journal another engine holds, or a folder that cannot be written, never stops the show: the
 * banner and the continuity record say there is no journal and why.
 */
async function openJournal(config: EngineConfig, dir: string, record: ContinuityRecord, closers: Closers, banner: string[], log: Logger): Promise<{ journal: JournalFile; point: ResumePoint } | undefined> {
  if (config.journal !== true) return undefined;
  try {
    const opened = await JournalFile.open(dir, { log: createLogger('io/journal') });
    closers.add((mode) => {
      // A clean stop is an end: the next start begins at the top (unless asked to resume).
      if (mode === 'clean') opened.journal.append({ kind: 'stop' });
      return opened.journal.close();
    });
    record.update({ journal: { file: opened.journal.file, ok: true, detail: 'every cue, mode and PANIC is journaled' } });
    return opened;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log.warn(`journal off: ${message}`);
    banner.push(`journal: OFF — ${message}`);
    record.update({ journal: { file: dir, ok: false, detail: message.slice(0, 300) } });
    return undefined;
  }
}

/**
 * Puts the show where the journal left it (each department at its last fired cue, its mode, PANIC),
 * before the first frame, and journals the run from there.
 */
function resumeAndJournal(
  opened: { journal: JournalFile; point: ResumePoint },
  pipeline: ShowPipeline,
  inputs: { console$: Subject<ConsoleInput>; controls$: Subject<ControlEvent> },
  resumeAfterCleanStop: boolean,
  record: ContinuityRecord,
  scheduler: SchedulerLike,
  closers: Closers,
  banner: string[],
  log: Logger,
): void {
  const { journal, point } = opened;
  const something = point.depts.length > 0 || point.panic;
  const resumed = something && (!point.cleanStop || resumeAfterCleanStop);
  if (resumed) {
    const outcome = resumeShow(point, pipeline, { console: inputs.console$, controls: inputs.controls$ }, scheduler.now());
    banner.push(`journal: ${journal.file} — RESUMED ${describeResume(point)}${point.lastAt !== undefined ? ` (last entry ${point.lastAt})` : ''}`);
    for (const p of outcome.problems) banner.push(`  not resumed: ${p}`);
    if (point.skipped.length > 0) banner.push(`  ${point.skipped.length} journal line(s) skipped (see the log)`);
    log.info(`resumed from ${journal.file}: ${describeResume(point)}`);
    record.update({
      resumed: {
        atMs: scheduler.now(),
        journal: journal.file,
        lastEntryAt: point.lastAt ?? null,
        depts: outcome.depts.map((d) => ({ dept: d.dept, cue: d.cue, ...(d.mode !== undefined ? { mode: d.mode } : {}), panicked: d.panicked })),
        panic: outcome.panic,
        skippedLines: point.skipped.length,
        problems: outcome.problems.map((p) => p.slice(0, 300)).slice(0, 64),
      },
    });
  } else banner.push(`journal: ${journal.file}${something ? ' (the last run was stopped cleanly: starting at the top; --resume resumes)' : ''}`);
  const feed = journalShow(journal, {
    // Recorded ahead of the state that follows: a position a console has shown is journaled first.
    events$: new Observable<PlaybackEvent>((sub) => pipeline.playback.record((e) => sub.next(e))),
    arbiter$: pipeline.arbiter.state$,
    safety$: pipeline.safety.state$,
    modesAreOwn: () => record.current().role !== 'standby',
  });
  closers.add(() => feed.unsubscribe());
  journal.append({ kind: 'start', engine: ENGINE_VERSION, show: pipeline.show.name.slice(0, 200), resumed, role: record.current().role });
}

/** Says (at most once in 10 s) that a following standby dropped a control; the filter it returns is always false. */
function ignoredOnStandby(log: Logger): (e: ControlEvent) => boolean {
  let lastAt = -Infinity;
  return (e) => {
    const now = performance.now();
    if (now - lastAt > 10_000) {
      lastAt = now;
      log.warn(`hot standby: ${e.origin} control '${e.command.type}' ignored while following the primary (operate the primary, or take control here)`);
    }
    return false;
  };
}

/** Announces the console over mDNS and lists the engines heard in the continuity record. */
function announce(me: Announcement, record: ContinuityRecord, closers: Closers, banner: string[]): void {
  const discovery = new Discovery(me, record, createLogger('io/discovery'));
  discovery.start();
  const roles = record.states$.subscribe((s) => discovery.roleChanged(s.role));
  closers.add(async () => {
    roles.unsubscribe();
    await discovery.stop();
  });
  banner.push(`announced on the local network as _${PRECUE_SERVICE_TYPE}._tcp port ${me.port} (mDNS); engines heard are listed on the console`);
}

/** The look the outputs start with: the pipeline's first frame (a resumed show's look, never dark first). */
function firstLook(pipeline: ShowPipeline, scheduler: SchedulerLike): Map<number, Uint8Array> {
  pipeline.frame(scheduler.now());
  return new Map([...pipeline.outputs].map(([id, data]) => [id, data.slice()]));
}

/** The run's timeline for the console: bars, predictions, fires, and the rehearsal take the show plays. */
async function startTimeline(show: ShowFile, dir: string, pipeline: ShowPipeline, listening: ListeningStreams | undefined, audioOffsetMs: number, scheduler: SchedulerLike, closers: Closers, banner: string[]): Promise<TimelineRecorder> {
  const { rehearsal, why } = listening === undefined ? { rehearsal: null, why: 'no audio' } : await rehearsalForTimeline(show, dir);
  const timeline = new TimelineRecorder(
    {
      predictions$: pipeline.predictions$, decisions$: pipeline.decisions$, events$: pipeline.playback.events$, arbiter$: pipeline.arbiter.state$,
      ...(listening !== undefined ? { beats$: listening.beats$ } : {}), audioOffsetMs, rehearsal,
    },
    scheduler,
  );
  closers.add(() => timeline.dispose());
  banner.push(`timeline: ${rehearsal !== null ? `rehearsal take '${rehearsal.name}' (${rehearsal.cues.length} cues)` : `no rehearsal shown (${why ?? 'none'})`}`);
  return timeline;
}

/** The console's model of the engine: what the console page shows, and what OSC control checks and answers from. */
function startConsoleModel(
  show: ShowFile,
  showDir: string,
  pipeline: ShowPipeline,
  commands: Subject<ConsoleInput>,
  listening: ListeningStreams | undefined,
  audioOffsetMs: number,
  scheduler: SchedulerLike,
  closers: Closers,
  records: Pick<ConsoleModelOptions, 'devices' | 'cameras' | 'programming' | 'timeline' | 'shadow' | 'continuity' | 'universeDeltas'> = {},
  engineId: string = randomUUID(),
): ConsoleModel {
  const model = new ConsoleModel(
    pipeline,
    { engineId, showName: show.name, showPath: showDir, commands, ...(listening !== undefined ? { listening, audioOffsetMs } : {}), ...records },
    scheduler,
  );
  closers.add(() => model.dispose());
  return model;
}

/** The console: the page and the server with the show's tokens, over the console model. */
async function startConsole(
  config: NonNullable<EngineConfig['console']>,
  tokens: ResolvedTokens,
  model: ConsoleModel,
  closers: Closers,
  banner: string[],
  log: Logger,
  health?: () => Readonly<Record<string, unknown>>,
): Promise<{ server: ConsoleServer; operatorUrl: string | null }> {
  for (const w of tokens.warnings) log.warn(w);
  const page = await buildConsolePage();
  let server: ConsoleServer;
  try {
    server = await startConsoleServer({
      engine: model,
      tokens: tokens.tokens,
      host: config.host,
      port: config.port,
      page,
      ...(config.tls !== undefined ? { tls: config.tls } : {}),
      ...(config.allowedOrigins !== undefined ? { allowedOrigins: config.allowedOrigins } : {}),
      ...(health !== undefined ? { health } : {}),
      log: createLogger('io/server'),
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DeviceError(
      `console server ${config.host}:${config.port}`,
      code === 'EADDRINUSE' ? 'the port is already in use' : `cannot listen (${err instanceof Error ? err.message : String(err)})`,
      code === 'EADDRINUSE' ? 'stop the other engine or pass --port <n>' : undefined,
      { cause: err },
    );
  }
  closers.add(() => server.close());
  const operator = tokens.tokens.operator;
  const operatorUrl = operator !== undefined ? server.consoleUrl(operator) : null;
  const kept = config.tokens.store !== undefined ? 'kept for this show; precue token --rotate replaces it' : 'for this run only';
  banner.push(`console: ${operatorUrl ?? server.url}${tokens.generated.includes('operator') ? `  (operator token generated, ${kept})` : ''}`);
  const roles = (['viewer', 'operator', 'admin'] as const).filter((r) => tokens.tokens[r] !== undefined);
  banner.push(`console roles: ${roles.map((r) => `${r} (${tokens.sources[r] ?? '?'})`).join(', ')}`);
  return { server, operatorUrl };
}

/** The run on disk (decision log, usage, audio when the show keeps it); earlier runs past the show's retention are purged first. */
async function openRun(
  runs: NonNullable<EngineConfig['runs']>,
  show: ShowFile,
  showDir: string,
  profiles: ReadonlyMap<string, FixtureProfile>,
  model: ModelFolder | undefined,
  closers: Closers,
  banner: string[],
): Promise<RunRecorder> {
  const log = createLogger('io/runs');
  const purged = await purgeRuns(runs.dir, show.runs, new Date()).catch((err: unknown) => {
    log.warn(`old runs not purged: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  });
  if (purged !== undefined && purged.lines.length > 0) for (const l of purged.lines) log.info(l);
  const run = await RunRecorder.open({ runsDir: runs.dir, show, showDir, profiles, model, startedAt: new Date(), log, ...(runs.maxLogBytes !== undefined ? { maxLogBytes: runs.maxLogBytes } : {}) });
  closers.add((mode) => run.close(mode));
  banner.push(`run log: ${run.dir}${show.runs.keepAudio ? ` (audio kept ${show.runs.audioDays} days)` : ' (audio not kept)'}`);
  return run;
}

/** The caller's audio tap and the run's, when it keeps its audio. */
function withRunAudio(parts: EngineParts, run: RunRecorder | undefined): EngineParts {
  const runTap = run?.tapAudio;
  if (runTap === undefined) return parts;
  const own = parts.tapAudio;
  return { ...parts, tapAudio: { next: (b) => { own?.next?.(b); runTap.next?.(b); } } };
}

/** Loads the show and starts every part of the engine. Rejects with a clear error if it cannot; then nothing is left running. */
export async function startEngine(config: EngineConfig, log: Logger = createLogger('main'), parts: EngineParts = {}): Promise<RunningEngine> {
  const scheduler = parts.scheduler ?? asyncScheduler;
  const banner: string[] = [];
  const closers = new Closers();
  try {
    // Tokens first: a bad or unreadable one stops the start before anything opens.
    const tokens = config.console === null ? null : await resolveShowTokens({ ...config.console.tokens, showDir: config.showDir });
    const { show, dir, profiles, catalog } = await loadShowParts(config, banner, log);
    const continuity = new ContinuityRecord(config.backupOf !== undefined ? { ...INITIAL_CONTINUITY, role: 'standby' } : undefined);
    closers.add(() => continuity.dispose());
    const journal = await openJournal(config, dir, continuity, closers, banner, log);
    // The model first: it fixes the analysis settings it was trained with.
    const model = await loadCueModel(config, show, dir, banner);
    const run = config.runs !== undefined ? await openRun(config.runs, show, dir, profiles, model, closers, banner) : undefined;
    const audioStatus = new Subject<AudioInputStatus>();
    const listening = await openListening(config, show, dir, model, withRunAudio(parts, run), scheduler, banner, log, audioStatus);
    if (listening !== undefined) closers.add(() => listening.close());
    const oscIn = await openOscControl(config, show, closers, banner);
    const messages = await openMessages(show, closers, banner);
    // Devices with a connection of their own (switchers, playout, mixers…): each part adds its links
    // here; they connect once every part is built, and the console shows their health.
    const devices = new DeviceRegistry();
    closers.add(() => devices.stop());
    const video = await openVideo(show, messages.outputs, devices, scheduler, closers, banner);
    // The resume's PANIC comes in as a control, like any other.
    const resumeControls$ = new Subject<ControlEvent>();
    closers.add(() => resumeControls$.complete());
    // A hot standby that follows takes no OSC, MIDI/MSC or timecode control: its primary does, and the
    // standby mirrors what that did (both firing would run each cue twice).
    const speaks = (): boolean => continuity.current().role !== 'standby';
    const dropped = ignoredOnStandby(log);
    const outside = merge(...(oscIn !== undefined ? [oscIn.commands$] : []), ...messages.controls).pipe(filter((e) => speaks() || dropped(e)));
    const controls = [outside, resumeControls$];

    // Audio time 0 is now: the audio source starts when the pipeline subscribes to it, just below.
    const audioOffsetMs = scheduler.now();
    const console$ = new Subject<ConsoleInput>();
    closers.add(() => console$.complete());
    // Cue lists edited from the console reach the arbiter (the show editor is made once DMX runs).
    const cueLists$ = new Subject<CueListChange>();
    closers.add(() => cueLists$.complete());
    const pipeline = buildShowPipeline(
      show,
      profiles,
      {
        console$,
        cues$: cueLists$,
        controls$: merge(...controls),
        ...(listening !== undefined ? { listening } : {}),
        ...(model !== undefined && listening !== undefined ? { predict: modelPredictor(model, { audioOffsetMs }, scheduler), policy: model.meta.policy.numbers } : {}),
        audioOffsetMs,
        log: createLogger('core/pipeline'),
      },
      scheduler,
    );
    closers.add(() => pipeline.dispose());
    // The first GO is as quick to the wire as the rest (core/warmUp.ts); a failure here is never the show's.
    try {
      warmUpGoPath(show, profiles);
    } catch (err) {
      log.debug(`warm-up of the GO path skipped: ${err instanceof Error ? err.message : String(err)}`);
    }
    run?.attach(pipeline, audioOffsetMs, scheduler, listening?.beats$);
    parts.onPipeline?.(pipeline, audioOffsetMs);
    let modes: ReadonlyArray<{ readonly dept: string; readonly mode: string }> = show.departments.map((d) => ({ dept: d.id, mode: d.mode }));
    const modesSub = pipeline.arbiter.state$.subscribe((st) => (modes = st.depts));
    closers.add(() => modesSub.unsubscribe());
    closers.add(handleAudioLoss(audioStatus, () => modes.filter((d) => d.mode === 'auto').map((d) => d.dept), console$, log));
    routeMessages(video, messages.outputs, pipeline, closers, speaks);
    // Sound: the desks the show's sound cues move, played from playback's events like any department;
    // their connections join the other devices (health and levels on the console).
    const mixers = openMixers(show, pipeline.playback.events$.pipe(filter(() => speaks())), scheduler, devices, createLogger('io/mixer'));
    if (mixers !== undefined) {
      closers.add(() => mixers.close());
      banner.push(...mixers.banner);
    }
    devices.start();
    if (listening !== undefined) {
      // Keep the analysis running even when nothing else listens to a stream; report a failure once.
      const failed = (err: unknown): void => log.error(`listening stopped: ${err instanceof Error ? err.message : String(err)}; outputs hold, cues still run by hand`);
      const hot = listening.sections$.subscribe({ error: failed });
      hot.add(listening.tempo$.subscribe({ error: () => undefined }));
      closers.add(() => hot.unsubscribe());
    }

    if (journal !== undefined) resumeAndJournal(journal, pipeline, { console$, controls$: resumeControls$ }, config.resume === true, continuity, scheduler, closers, banner, log);
    const { ticks: frameTicks, clock } = await startDmx(config, show, pipeline, scheduler, closers, banner, log, {
      initial: firstLook(pipeline, scheduler),
      ...(config.backupOf !== undefined ? { outputMode: standbyOutputMode(show, false) } : {}),
    });
    const editor = config.console !== null ? await openShowEditor(dir, show, catalog, pipeline, scheduler, closers, banner, log) : undefined;
    if (editor !== undefined) {
      const fed = editor.cueLists$.subscribe((c) => cueLists$.next(c));
      closers.add(() => fed.unsubscribe());
    }
    const timeline = config.console !== null ? await startTimeline(show, dir, pipeline, listening, audioOffsetMs, scheduler, closers, banner) : undefined;
    const engineId = randomUUID();
    const consoleModel = config.console !== null || oscIn !== undefined || config.backupOf !== undefined
      ? startConsoleModel(show, dir, pipeline, console$, listening, audioOffsetMs, scheduler, closers, { devices, cameras: video.cameras, universeDeltas: config.console !== null, ...(editor !== undefined ? { programming: editor } : {}), ...(timeline !== undefined ? { timeline } : {}), ...(run !== undefined ? { shadow: run.shadow } : {}), continuity }, engineId)
      : undefined;
    if (config.backupOf !== undefined && consoleModel !== undefined) {
      const standby = new Standby(config.backupOf.address, config.backupOf.token, {
        show,
        local: () => ({ depts: consoleModel.deptStates, panic: pipeline.safety.current.panic || pipeline.safety.current.allOff, blackout: pipeline.safety.current.blackout, grandMaster: pipeline.safety.current.grandMaster }),
        carryOut: (command, who) => consoleModel.carryOut(command, who),
        restore: (dept, cue) => void pipeline.playback.restore(dept, cue),
        blackout: (on, who) => void pipeline.safety.handle({ type: 'blackout', on }, scheduler.now(), who),
        outputs: clock,
        record: continuity,
        now: () => scheduler.now(),
        log: createLogger('io/standby'),
      });
      standby.start();
      closers.add(() => standby.stop());
      banner.push(`HOT STANDBY of ${config.backupOf.address}: following it; sACN below its priority, Art-Net/USB silent; takes control when it is lost`);
    }
    if (oscIn !== undefined && consoleModel !== undefined) {
      oscIn.serve({
        state: () => ({ depts: consoleModel.deptStates, panic: pipeline.safety.current.panic, safety: pipeline.safety.current, version: ENGINE_VERSION }),
        changes$: consoleModel.deltas$,
      });
    }
    const consoleParts = config.console === null || tokens === null || consoleModel === undefined ? null : await startConsole(config.console, tokens, consoleModel, closers, banner, log, () => ({ frames: frameTicks.read() }));

    if (consoleParts !== null && config.console !== null && config.announce === true) {
      announce({ engineId, show: show.name, bind: config.console.host, port: Number(new URL(consoleParts.server.url).port), tls: config.console.tls !== undefined }, continuity, closers, banner);
    }

    let stopped: Promise<void> | undefined;
    return {
      show,
      pipeline,
      model,
      banner,
      server: consoleParts?.server ?? null,
      operatorUrl: consoleParts?.operatorUrl ?? null,
      devices,
      cameras: video.cameras,
      stop(mode) {
        stopped ??= closers.closeAll(mode, log);
        return stopped;
      },
    };
  } catch (err) {
    // Nothing half-starts: close what was opened, holding the last look.
    await closers.closeAll('hold', log);
    throw err;
  }
}
