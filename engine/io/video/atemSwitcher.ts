/**
 * A Blackmagic ATEM as a vision mixer, through `atem-connection` (its UDP protocol runs in the
 * library's worker thread, so a busy switcher never stalls the engine): cut and auto transition,
 * program and preview input, transition style and rate, macros, upstream and downstream keyers.
 * The tally is the switcher's own (its tally-by-source table, which counts keyers and transitions in
 * progress); before the first table arrives it is computed from the switcher's state.
 *
 * A shot goes as the ATEM panel does it: the camera to preview, then CUT — or for a timed transition
 * the style and rate, the camera to preview, then AUTO — all in one packet, so they arrive in order.
 */
import { Atem, Commands, Enums, listVisibleInputs, type AtemState } from 'atem-connection';
import { createLogger, type Logger } from '../../core/log.js';
import { checkDeviceNames, findAtemInput, findAtemMacro, formatNameProblem, type DeviceInventory } from '../../core/show/deviceNames.js';
import type { ShowFile } from '../../core/show/schema.js';
import type { AtemMessage, CameraConfig, ObsMessage, ShotTransition, SwitcherConfig } from '../../core/show/video.js';
import type { DeviceConnector, DeviceReporter } from '../devices/deviceLink.js';
import { abortable, errorText, type SwitcherSession, type TallySink } from './switcher.js';

type AtemConfig = Extract<SwitcherConfig, { kind: 'atem' }>;
type AtemInventory = Extract<DeviceInventory, { kind: 'atem' }>;
type Command = Parameters<Atem['sendCommands']>[0][number];

const STYLE: Readonly<Record<'mix' | 'dip' | 'wipe' | 'dve' | 'sting', Enums.TransitionStyle>> = {
  mix: Enums.TransitionStyle.MIX,
  dip: Enums.TransitionStyle.DIP,
  wipe: Enums.TransitionStyle.WIPE,
  dve: Enums.TransitionStyle.DVE,
  sting: Enums.TransitionStyle.STING,
};

/**
 * Frames per second of an ATEM video mode, from its name (`P1080p25` → 25, `N1080i5994` → 29.97: an
 * interlaced mode's rate is in fields). ATEM transition rates are counted in these frames.
 */
export function atemFrameRate(videoMode: number): number {
  const name = Enums.VideoMode[videoMode] ?? '';
  const m = /([pi])(\d+)(?:NTSC|PAL|169)?$/.exec(name);
  if (m === null) return 25;
  const digits = m[2]!;
  const rate = digits.length >= 4 ? Number(digits) / 100 : Number(digits);
  return m[1] === 'i' ? rate / 2 : rate;
}

/** A duration as an ATEM transition rate in frames (1..250). */
export function atemRateFrames(durationMs: number, fps: number): number {
  return Math.max(1, Math.min(250, Math.round((durationMs / 1000) * fps)));
}

/** What an ATEM has, read from its state. */
export function atemInventory(state: Readonly<AtemState>, mixEffect: number): AtemInventory {
  return {
    kind: 'atem',
    product: state.info.productIdentifier ?? undefined,
    inputs: Object.values(state.inputs)
      .filter((i) => i !== undefined)
      .map((i) => ({ id: i.inputId, name: i.longName, short: i.shortName })),
    macros: state.macro.macroProperties.flatMap((m, i) => (m !== undefined && m.isUsed ? [{ number: i + 1, name: m.name }] : [])),
    mixEffects: Math.max(1, state.info.capabilities?.mixEffects ?? 1),
    keyers: state.info.mixEffects[mixEffect]?.keyCount ?? 0,
    downstreamKeyers: state.info.capabilities?.downstreamKeyers ?? 0,
  };
}

/** One connection to an ATEM. */
class AtemSession implements SwitcherSession {
  private closed = false;
  private inventory: AtemInventory;
  private sawTallyTable = false;
  private readonly cameras: readonly CameraConfig[];

  constructor(
    private readonly atem: Atem,
    private readonly config: AtemConfig,
    private readonly show: ShowFile,
    private readonly sink: TallySink,
    private readonly report: DeviceReporter,
  ) {
    this.cameras = show.outputs.cameras.filter((c) => c.switcher === config.id);
    this.inventory = atemInventory(atem.state!, config.mixEffect);
  }

  start(): void {
    this.report.problems(checkDeviceNames(this.show, this.config.id, this.inventory).map((p) => formatNameProblem(p)));
    this.atem.on('disconnected', () => {
      if (this.closed) return;
      this.sink.tallyLost(this.config.id);
      this.report.lost('the switcher stopped answering');
    });
    this.atem.on('receivedCommands', (commands) => {
      for (const c of commands) {
        if (c instanceof Commands.TallyBySourceCommand) {
          this.sawTallyTable = true;
          const program = new Set<number>();
          const preview = new Set<number>();
          for (const [source, t] of Object.entries(c.properties)) {
            if (t?.program === true) program.add(Number(source));
            if (t?.preview === true) preview.add(Number(source));
          }
          this.publish(program, preview);
        }
      }
    });
    this.atem.on('stateChanged', (state) => {
      if (!this.sawTallyTable) this.publishFromState(state);
      this.facts(state);
    });
    this.publishFromState(this.atem.state!);
    this.facts(this.atem.state!);
  }

  private facts(state: Readonly<AtemState>): void {
    const me = state.video.mixEffects[this.config.mixEffect];
    const name = (id: number | undefined): string | null => (id === undefined ? null : (state.inputs[id]?.longName ?? String(id)));
    this.report.facts({
      model: state.info.productIdentifier ?? null,
      program: name(me?.programInput),
      preview: name(me?.previewInput),
      transition: me !== undefined ? (Enums.TransitionStyle[me.transitionProperties.nextStyle] ?? null) : null,
    });
  }

  private publishFromState(state: Readonly<AtemState>): void {
    if (state.video.mixEffects[this.config.mixEffect] === undefined) return;
    this.publish(new Set(listVisibleInputs('program', state, this.config.mixEffect)), new Set(listVisibleInputs('preview', state, this.config.mixEffect)));
  }

  private publish(program: ReadonlySet<number>, preview: ReadonlySet<number>): void {
    if (this.closed) return;
    const idOf = (c: CameraConfig): number | undefined => findAtemInput(this.inventory, c.input)?.id;
    this.sink.tally(
      this.config.id,
      new Set(this.cameras.filter((c) => program.has(idOf(c) ?? -1)).map((c) => c.id)),
      new Set(this.cameras.filter((c) => preview.has(idOf(c) ?? -1)).map((c) => c.id)),
    );
  }

  private input(value: string | number): number {
    const found = findAtemInput(this.inventory, value);
    if (found === undefined) throw new Error(`ATEM '${this.config.id}' has no input ${JSON.stringify(value)}`);
    return found.id;
  }

  private fps(): number {
    return atemFrameRate(this.atem.state?.settings.videoMode ?? Enums.VideoMode.P1080p25);
  }

  private rateCommand(style: 'mix' | 'dip' | 'wipe', me: number, frames: number): Command {
    if (style === 'mix') return new Commands.TransitionMixCommand(me, frames);
    const cmd = style === 'dip' ? new Commands.TransitionDipCommand(me) : new Commands.TransitionWipeCommand(me);
    cmd.updateProps({ rate: frames });
    return cmd;
  }

  private styleCommand(style: keyof typeof STYLE, me: number): Command {
    const cmd = new Commands.TransitionPropertiesCommand(me);
    cmd.updateProps({ nextStyle: STYLE[style] });
    return cmd;
  }

  async take(camera: CameraConfig, transition: ShotTransition): Promise<void> {
    const me = this.config.mixEffect;
    const source = this.input(camera.input);
    const commands: Command[] =
      transition === 'cut'
        ? [new Commands.PreviewInputCommand(me, source), new Commands.CutCommand(me)]
        : [
            this.styleCommand(transition.style, me),
            this.rateCommand(transition.style, me, atemRateFrames(transition.durationMs, this.fps())),
            new Commands.PreviewInputCommand(me, source),
            new Commands.AutoTransitionCommand(me),
          ];
    await this.atem.sendCommands(commands);
  }

  async preview(camera: CameraConfig): Promise<void> {
    await this.atem.sendCommands([new Commands.PreviewInputCommand(this.config.mixEffect, this.input(camera.input))]);
  }

  async send(m: ObsMessage | AtemMessage): Promise<void> {
    if (m.kind !== 'atem') throw new Error(`an ${m.kind} message cannot go to ATEM '${this.config.id}'`);
    const me = ('me' in m ? m.me : undefined) ?? this.config.mixEffect;
    let command: Command;
    switch (m.action) {
      case 'cut':
        command = new Commands.CutCommand(me);
        break;
      case 'auto':
        command = new Commands.AutoTransitionCommand(me);
        break;
      case 'program':
        command = new Commands.ProgramInputCommand(me, this.input(m.input));
        break;
      case 'preview':
        command = new Commands.PreviewInputCommand(me, this.input(m.input));
        break;
      case 'transition-style':
        command = this.styleCommand(m.style, me);
        break;
      case 'transition-rate':
        command = this.rateCommand(m.style, me, m.frames);
        break;
      case 'macro': {
        const number = findAtemMacro(this.inventory, m.macro);
        if (number === undefined) throw new Error(`ATEM '${this.config.id}' has no macro ${JSON.stringify(m.macro)}`);
        command = new Commands.MacroActionCommand(number - 1, Enums.MacroAction.Run);
        break;
      }
      case 'keyer':
        command = new Commands.MixEffectKeyOnAirCommand(me, m.keyer - 1, m.onAir);
        break;
      case 'dsk':
        command = new Commands.DownstreamKeyOnAirCommand(m.keyer - 1, m.onAir);
        break;
      case 'dsk-auto':
        command = new Commands.DownstreamKeyAutoCommand(m.keyer - 1);
        break;
    }
    await this.atem.sendCommands([command]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.atem.removeAllListeners();
    await this.atem.destroy().catch(() => undefined);
  }
}

/** Opens connections to one ATEM. */
export class AtemConnector implements DeviceConnector<SwitcherSession> {
  readonly kind = 'atem';
  readonly id: string;
  readonly label: string;
  readonly address: string;
  private readonly log: Logger;

  constructor(
    private readonly config: AtemConfig,
    private readonly show: ShowFile,
    private readonly sink: TallySink,
    options: { readonly log?: Logger; readonly threaded?: boolean } = {},
  ) {
    this.id = config.id;
    this.label = config.label ?? '';
    this.address = `${config.host}:${config.port}`;
    this.log = options.log ?? createLogger('io/video/atem');
    this.threaded = options.threaded ?? true;
    this.timeoutHint = `check the ATEM's IP address and that it is on`;
  }

  private readonly threaded: boolean;
  readonly timeoutHint: string;

  async open(report: DeviceReporter, signal: AbortSignal): Promise<SwitcherSession> {
    const atem = new Atem({ disableMultithreaded: !this.threaded });
    atem.on('error', (e) => this.log.warn(`ATEM '${this.id}': ${e}`));
    const connected = new Promise<void>((resolve) => atem.once('connected', () => resolve()));
    try {
      await abortable(
        signal,
        atem.connect(this.config.host, this.config.port).then(() => connected),
        () => void atem.destroy().catch(() => undefined),
      );
    } catch (err) {
      await atem.destroy().catch(() => undefined);
      throw new Error(`cannot reach the ATEM at ${this.address}: ${errorText(err)}`);
    }
    if (atem.state === undefined) {
      await atem.destroy().catch(() => undefined);
      throw new Error(`the ATEM at ${this.address} connected without sending its state`);
    }
    const session = new AtemSession(atem, this.config, this.show, this.sink, report);
    session.start();
    return session;
  }
}
