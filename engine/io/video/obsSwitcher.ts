/**
 * OBS Studio as a vision mixer, over obs-websocket protocol 5 (`obs-websocket-js`): program and
 * preview scenes (preview in studio mode), the transition and its duration, source visibility, media
 * inputs. On connect it reads what OBS has (scenes, inputs, transitions, the sources in each scene)
 * and reports every name the show uses that OBS lacks; while connected it follows OBS's events and
 * gives the tally per camera: a camera is on program when its scene is the program scene or is
 * nested, visible, in it. During a transition both scenes are on air: OBS (29) says a transition has
 * started at once but names the new program scene only when it ends, so the incoming scene is asked
 * for (or known, for a shot Precue took) and the outgoing one stays on program until the end.
 */
import { OBSWebSocket, OBSWebSocketError, RequestBatchExecutionType } from 'obs-websocket-js/json';
import { createLogger, type Logger } from '../../core/log.js';
import { checkDeviceNames, formatNameProblem, type DeviceInventory } from '../../core/show/deviceNames.js';
import type { ShowFile } from '../../core/show/schema.js';
import type { AtemMessage, CameraConfig, ObsMessage, ShotTransition, SwitcherConfig } from '../../core/show/video.js';
import type { DeviceConnector, DeviceReporter } from '../devices/deviceLink.js';
import { abortable, errorText, type SwitcherSession, type TallySink } from './switcher.js';

type ObsConfig = Extract<SwitcherConfig, { kind: 'obs' }>;
type BatchRequest = Parameters<OBSWebSocket['callBatch']>[0][number];

/** obs-websocket's media actions by our names. */
const MEDIA_ACTIONS: Readonly<Record<Extract<ObsMessage, { action: 'media' }>['media'], string>> = {
  play: 'OBS_WEBSOCKET_MEDIA_INPUT_ACTION_PLAY',
  pause: 'OBS_WEBSOCKET_MEDIA_INPUT_ACTION_PAUSE',
  stop: 'OBS_WEBSOCKET_MEDIA_INPUT_ACTION_STOP',
  restart: 'OBS_WEBSOCKET_MEDIA_INPUT_ACTION_RESTART',
  next: 'OBS_WEBSOCKET_MEDIA_INPUT_ACTION_NEXT',
  previous: 'OBS_WEBSOCKET_MEDIA_INPUT_ACTION_PREVIOUS',
};

/** A transition counts as running this long past its duration if OBS never says it ended. */
const TRANSITION_GRACE_MS = 300;

/** A transition on air: the scene coming in and the one going out (null until known). */
interface Transition {
  incoming: string | null;
  outgoing: string | null;
  readonly timer: ReturnType<typeof setTimeout>;
}

interface SceneItem {
  readonly source: string;
  readonly enabled: boolean;
}

/** Says why a connection to OBS failed, and what to check. */
function explain(err: unknown, address: string): string {
  if (err instanceof OBSWebSocketError) {
    if (err.code === 4009) return `OBS at ${address} refused the password (check the switcher's password or passwordEnv)`;
    if (err.code === 4010) return `OBS at ${address} speaks another obs-websocket RPC version (OBS 28 or later is needed)`;
  }
  const text = errorText(err);
  if (/ECONNREFUSED/.test(text)) return `nothing listens at ${address} (is OBS running with Tools → WebSocket Server Settings → Enable?)`;
  if (/authentication/i.test(text)) return `OBS at ${address} wants a password (set the environment variable the switcher's passwordEnv names, or its password)`;
  return `cannot reach OBS at ${address}: ${text}`;
}

/** One connection to OBS. */
class ObsSession implements SwitcherSession {
  private programScene: string | null = null;
  private previewScene: string | null = null;
  private studio = false;
  private transitionName = '';
  private transitionMs = 0;
  /** The transition running now, or null. */
  private transition: Transition | null = null;
  private readonly scenes = new Set<string>();
  private readonly items = new Map<string, SceneItem[]>();
  private readonly cameras: readonly CameraConfig[];
  private closed = false;

  constructor(
    private readonly obs: OBSWebSocket,
    private readonly config: ObsConfig,
    private readonly show: ShowFile,
    private readonly sink: TallySink,
    private readonly report: DeviceReporter,
    private readonly log: Logger,
  ) {
    this.cameras = show.outputs.cameras.filter((c) => c.switcher === config.id);
  }

  /** Reads what OBS has, checks the show's names, starts following events. */
  async init(): Promise<void> {
    this.obs.on('ConnectionClosed', (err) => {
      if (this.closed) return;
      this.sink.tallyLost(this.config.id);
      this.report.lost(err.message !== '' ? err.message : `closed (${err.code})`);
    });
    this.obs.on('CurrentProgramSceneChanged', (e) => this.programChanged(e.sceneName));
    this.obs.on('CurrentPreviewSceneChanged', (e) => {
      this.previewScene = e.sceneName;
      this.publish();
    });
    this.obs.on('StudioModeStateChanged', (e) => {
      this.studio = e.studioModeEnabled;
      if (!this.studio) this.previewScene = null;
      this.publish();
    });
    this.obs.on('SceneTransitionStarted', () => this.transitionStarted(null));
    this.obs.on('SceneTransitionEnded', () => this.transitionEnded());
    this.obs.on('CurrentSceneTransitionChanged', (e) => {
      this.transitionName = e.transitionName;
      this.publish();
    });
    this.obs.on('CurrentSceneTransitionDurationChanged', (e) => {
      this.transitionMs = e.transitionDuration;
      this.publish();
    });
    const refresh = (e: { sceneName: string }): void => {
      void this.readItems([e.sceneName]).then(() => this.publish(), (err: unknown) => this.log.debug(`scene items of '${e.sceneName}': ${errorText(err)}`));
    };
    this.obs.on('SceneItemEnableStateChanged', refresh);
    this.obs.on('SceneItemCreated', refresh);
    this.obs.on('SceneItemRemoved', refresh);
    this.obs.on('SceneCreated', (e) => {
      if (!e.isGroup) this.scenes.add(e.sceneName);
      refresh(e);
    });
    this.obs.on('SceneRemoved', (e) => {
      this.scenes.delete(e.sceneName);
      this.items.delete(e.sceneName);
      this.publish();
    });

    const [version, sceneList, inputList, transitionList, current, studio] = await this.batch([
      { requestType: 'GetVersion' },
      { requestType: 'GetSceneList', requestData: {} },
      { requestType: 'GetInputList', requestData: {} },
      { requestType: 'GetSceneTransitionList' },
      { requestType: 'GetCurrentSceneTransition' },
      { requestType: 'GetStudioModeEnabled' },
    ]);
    const scenes = ((sceneList?.['scenes'] ?? []) as Array<{ sceneName: string }>).map((s) => s.sceneName);
    for (const s of scenes) this.scenes.add(s);
    this.programScene = (sceneList?.['currentProgramSceneName'] as string | null | undefined) ?? null;
    this.previewScene = (sceneList?.['currentPreviewSceneName'] as string | null | undefined) ?? null;
    this.studio = studio?.['studioModeEnabled'] === true;
    this.transitionName = typeof current?.['transitionName'] === 'string' ? current['transitionName'] : '';
    this.transitionMs = Number(current?.['transitionDuration'] ?? 0);
    await this.readItems(scenes);
    const inventory: DeviceInventory = {
      kind: 'obs',
      scenes,
      inputs: ((inputList?.['inputs'] ?? []) as Array<{ inputName: string }>).map((i) => i.inputName),
      transitions: ((transitionList?.['transitions'] ?? []) as Array<{ transitionName: string }>).map((t) => t.transitionName),
      sceneItems: Object.fromEntries([...this.items].map(([scene, items]) => [scene, items.map((i) => i.source)])),
    };
    this.report.problems(checkDeviceNames(this.show, this.config.id, inventory).map((p) => formatNameProblem(p)));
    this.report.facts({ version: `OBS ${typeof version?.['obsVersion'] === 'string' ? version['obsVersion'] : '?'}`, scenes: scenes.length });
    this.publish();
  }

  /** Runs requests in order in one round trip; throws with OBS's comment if one fails. */
  private async batch(requests: BatchRequest[]): Promise<Array<Record<string, unknown> | undefined>> {
    const results = await this.obs.callBatch(requests, { executionType: RequestBatchExecutionType.SerialRealtime, haltOnFailure: true });
    const failed = results.find((r) => !r.requestStatus.result);
    if (failed !== undefined) {
      const comment = 'comment' in failed.requestStatus ? failed.requestStatus.comment : undefined;
      throw new Error(`OBS refused ${failed.requestType}: ${comment ?? `code ${failed.requestStatus.code}`}`);
    }
    if (results.length < requests.length) throw new Error(`OBS answered ${results.length} of ${requests.length} requests`);
    return results.map((r) => r.responseData as Record<string, unknown> | undefined);
  }

  private async readItems(scenes: readonly string[]): Promise<void> {
    if (scenes.length === 0) return;
    const results = await this.obs.callBatch(
      scenes.map((sceneName) => ({ requestType: 'GetSceneItemList' as const, requestData: { sceneName } })),
      { executionType: RequestBatchExecutionType.SerialRealtime },
    );
    results.forEach((r, i) => {
      const scene = scenes[i];
      if (scene === undefined || !r.requestStatus.result) return;
      const list = ((r.responseData as { sceneItems?: Array<{ sourceName?: unknown; sceneItemEnabled?: unknown }> } | undefined)?.sceneItems ?? []);
      this.items.set(scene, list.map((it) => ({ source: typeof it.sourceName === 'string' ? it.sourceName : '', enabled: it.sceneItemEnabled !== false })));
    });
  }

  /** A transition started: `incoming` when Precue took it, else asked of OBS (which names it at once). */
  private transitionStarted(incoming: string | null, durationMs = this.transitionMs): void {
    if (this.transition === null) {
      const timer = setTimeout(() => this.transitionEnded(), Math.max(0, durationMs) + TRANSITION_GRACE_MS);
      this.transition = { incoming: null, outgoing: this.programScene, timer };
    }
    const t = this.transition;
    if (incoming !== null) t.incoming = incoming;
    else if (t.incoming === null) {
      this.obs.call('GetCurrentProgramScene').then(
        (r) => {
          if (this.transition !== t) return;
          t.incoming = r.currentProgramSceneName;
          this.publish();
        },
        (err: unknown) => this.log.debug(`program scene during a transition: ${errorText(err)}`),
      );
    }
    this.publish();
  }

  private programChanged(scene: string): void {
    if (this.transition !== null && this.transition.outgoing === null) this.transition.outgoing = this.programScene;
    this.programScene = scene;
    this.publish();
  }

  private transitionEnded(): void {
    if (this.transition === null) return;
    clearTimeout(this.transition.timer);
    this.transition = null;
    this.publish();
  }

  /** True when `target` shows in `scene`: it is the scene, or a visible nested scene in it. */
  private shows(scene: string, target: string, depth = 0): boolean {
    if (scene === target) return true;
    if (depth > 8) return false;
    return (this.items.get(scene) ?? []).some((i) => i.enabled && this.scenes.has(i.source) && this.shows(i.source, target, depth + 1));
  }

  private publish(): void {
    if (this.closed) return;
    const t = this.transition;
    const onAir = [this.programScene, t?.incoming ?? null, t?.outgoing ?? null].filter((s): s is string => s !== null);
    const program = new Set(this.cameras.filter((c) => onAir.some((s) => this.shows(s, String(c.input)))).map((c) => c.id));
    const preview = new Set(this.studio && this.previewScene !== null ? this.cameras.filter((c) => this.shows(this.previewScene!, String(c.input))).map((c) => c.id) : []);
    this.sink.tally(this.config.id, program, preview);
    this.report.facts({
      program: this.programScene,
      preview: this.studio ? this.previewScene : null,
      studio: this.studio ? 'on' : 'off',
      transition: this.transitionName !== '' ? `${this.transitionName} ${this.transitionMs} ms` : null,
    });
  }

  async take(camera: CameraConfig, transition: ShotTransition): Promise<void> {
    const sceneName = String(camera.input);
    const requests: BatchRequest[] =
      transition === 'cut'
        ? [{ requestType: 'SetCurrentSceneTransition', requestData: { transitionName: this.config.transitions.cut } }]
        : [
            { requestType: 'SetCurrentSceneTransition', requestData: { transitionName: this.config.transitions.mix } },
            { requestType: 'SetCurrentSceneTransitionDuration', requestData: { transitionDuration: Math.max(50, Math.min(20_000, Math.round(transition.durationMs))) } },
          ];
    requests.push({ requestType: 'SetCurrentProgramScene', requestData: { sceneName } });
    // On air from the moment it is asked for, so the tally never lags the cut.
    this.transitionStarted(sceneName, transition === 'cut' ? 0 : transition.durationMs);
    await this.batch(requests);
  }

  async preview(camera: CameraConfig): Promise<void> {
    if (!this.studio) return; // OBS has a preview only in studio mode
    if (this.previewScene === String(camera.input)) return;
    await this.obs.call('SetCurrentPreviewScene', { sceneName: String(camera.input) });
  }

  async send(m: ObsMessage | AtemMessage): Promise<void> {
    if (m.kind !== 'obs') throw new Error(`an ${m.kind} message cannot go to OBS '${this.config.id}'`);
    switch (m.action) {
      case 'program-scene':
        await this.obs.call('SetCurrentProgramScene', { sceneName: m.scene });
        return;
      case 'preview-scene':
        if (!this.studio) throw new Error(`OBS '${this.config.id}' is not in studio mode: it has no preview`);
        await this.obs.call('SetCurrentPreviewScene', { sceneName: m.scene });
        return;
      case 'transition': {
        const requests: BatchRequest[] = [];
        if (m.transition !== undefined) requests.push({ requestType: 'SetCurrentSceneTransition', requestData: { transitionName: m.transition } });
        if (m.durationMs !== undefined) requests.push({ requestType: 'SetCurrentSceneTransitionDuration', requestData: { transitionDuration: Math.max(50, Math.min(20_000, Math.round(m.durationMs))) } });
        await this.batch(requests);
        return;
      }
      case 'take':
        await this.obs.call('TriggerStudioModeTransition');
        return;
      case 'source-visibility': {
        const { sceneItemId } = await this.obs.call('GetSceneItemId', { sceneName: m.scene, sourceName: m.source });
        await this.obs.call('SetSceneItemEnabled', { sceneName: m.scene, sceneItemId, sceneItemEnabled: m.visible });
        return;
      }
      case 'media':
        await this.obs.call('TriggerMediaInputAction', { inputName: m.input, mediaAction: MEDIA_ACTIONS[m.media] });
        return;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.transition !== null) clearTimeout(this.transition.timer);
    this.obs.removeAllListeners();
    await this.obs.disconnect().catch(() => undefined);
  }
}

/** Opens connections to one OBS. */
export class ObsConnector implements DeviceConnector<SwitcherSession> {
  readonly kind = 'obs';
  readonly id: string;
  readonly label: string;
  readonly address: string;
  private readonly log: Logger;

  constructor(
    private readonly config: ObsConfig,
    private readonly show: ShowFile,
    private readonly sink: TallySink,
    private readonly env: Readonly<Record<string, string | undefined>>,
    log?: Logger,
  ) {
    this.id = config.id;
    this.label = config.label ?? '';
    this.address = `${config.host}:${config.port}`;
    this.log = log ?? createLogger('io/video/obs');
  }

  async open(report: DeviceReporter, signal: AbortSignal): Promise<SwitcherSession> {
    // An unset passwordEnv means no password (an OBS with authentication off); OBS says if it wants one.
    const password = this.config.password ?? (this.config.passwordEnv !== undefined ? this.env[this.config.passwordEnv] : undefined);
    const obs = new OBSWebSocket();
    const host = this.config.host.includes(':') ? `[${this.config.host}]` : this.config.host;
    try {
      await abortable(signal, obs.connect(`ws://${host}:${this.config.port}`, password, { rpcVersion: 1 }), () => void obs.disconnect().catch(() => undefined));
    } catch (err) {
      await obs.disconnect().catch(() => undefined);
      throw new Error(signal.aborted ? 'attempt given up' : explain(err, this.address));
    }
    const session = new ObsSession(obs, this.config, this.show, this.sink, report, this.log);
    try {
      await abortable(signal, session.init(), () => undefined);
    } catch (err) {
      await session.close();
      throw new Error(`OBS at ${this.address} connected but could not be read: ${errorText(err)}`);
    }
    return session;
  }
}
