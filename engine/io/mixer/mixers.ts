/**
 * The sound department's outputs: one kept-up OSC connection per desk in `outputs.mixers` (a
 * `DeviceLink`: reconnects with back-off, health for the console), the show's sound cues played from
 * playback's events (whoever fired them), and a frame loop that sends every fading level at
 * `MIXER_FRAME_HZ`. A desk that is down drops writes (a late fade is worse than none) and is read
 * back when it returns.
 */
import { interval, type Observable, type SchedulerLike, Subscription } from 'rxjs';
import { createLogger, type Logger } from '../../core/log.js';
import { MIXER_PROFILES, type MixerProfile } from '../../core/mixer/profile.js';
import { compileSoundCues, soundParams, SoundPlayback } from '../../core/playback/soundPlayback.js';
import type { PlaybackEvent } from '../../core/playback/deptPlayback.js';
import type { DeviceState } from '../../core/protocol/devices.js';
import type { ShowFile } from '../../core/show/schema.js';
import { DeviceLink } from '../devices/deviceLink.js';
import type { DeviceRegistry } from '../devices/registry.js';
import { OscMixerConnector, type OscMixerSession } from './oscMixer.js';

/** How often fading levels go to the desks (a 2 s fade reaches the desk as 80 steps). */
export const MIXER_FRAME_HZ = 40;

/** The running sound outputs. */
export interface MixerOutputs {
  readonly links: ReadonlyMap<string, DeviceLink<OscMixerSession>>;
  readonly playback: SoundPlayback;
  /** Every desk's state, for the console's device list. */
  readonly states: () => DeviceState[];
  readonly banner: readonly string[];
  close(): Promise<void>;
}

/**
 * Opens the show's desks and plays its sound cues. Throws InputError (located, every problem) when a
 * cue moves a parameter its desk does not have; returns undefined when the show has no desks.
 */
export function openMixers(
  show: Pick<ShowFile, 'departments' | 'outputs'>,
  events$: Observable<PlaybackEvent>,
  scheduler: SchedulerLike,
  /** Where the desks' connections join the engine's other devices (they start with them); absent: they start here. */
  registry: DeviceRegistry | undefined,
  log: Logger = createLogger('io/mixer'),
): MixerOutputs | undefined {
  const mixers = show.outputs.mixers ?? [];
  if (mixers.length === 0 && !show.departments.some((d) => d.cues.some((c) => (c.mixer ?? []).length > 0))) return undefined;
  const profiles = new Map<string, MixerProfile>(mixers.map((m) => [m.id, MIXER_PROFILES.get(m.kind)!]));
  const program = compileSoundCues(show, (id) => profiles.get(id));
  const playback = new SoundPlayback(program);
  const params = soundParams(program);
  const links = new Map<string, DeviceLink<OscMixerSession>>();
  const banner: string[] = [];
  for (const m of mixers) {
    const profile = profiles.get(m.id)!;
    const connector = new OscMixerConnector(
      m,
      profile,
      params.filter((p) => p.mixer === m.id).map((p) => p.param),
      { value: (address, value) => playback.observe(m.id, address, value) },
      createLogger(`io/mixer/${m.id}`),
    );
    const link = new DeviceLink(connector, { log: createLogger(`io/mixer/${m.id}`) }, scheduler);
    links.set(m.id, link);
    banner.push(`mixer ${m.id}: ${profile.name} at ${connector.address} (${params.filter((p) => p.mixer === m.id).length} parameters in the show's cues)`);
    if (registry !== undefined) registry.add(link);
    else link.start();
  }
  const subscription = new Subscription();
  subscription.add(
    events$.subscribe((e) => {
      if (!playback.has(e.dept)) return;
      const now = scheduler.now();
      switch (e.kind) {
        case 'fire':
          playback.fire(e.dept, e.cue, e.reason, now);
          break;
        case 'home':
          playback.home(e.dept, now);
          break;
        case 'restore':
          // Put at a cue without firing (a resume, a standby taking over): the desk is brought to the
          // tracked state there, as a GOTO would (unchanged faders do not move).
          if (e.cue === null) playback.home(e.dept, now);
          else playback.fire(e.dept, e.cue, 'goto', now);
          break;
        case 'hold':
          playback.hold(e.dept, now);
          break;
        case 'resume':
          playback.resume(e.dept, now);
          break;
        case 'stop':
        case 'panic':
          // Sound has no safe "dark": PANIC freezes its fades where they are rather than muting a show.
          playback.stop(e.dept, now);
          break;
        case 'load':
        case 'swallowed':
        case 'refused':
          break;
      }
    }),
  );
  subscription.add(
    interval(1000 / MIXER_FRAME_HZ, scheduler).subscribe(() => {
      for (const w of playback.frame(scheduler.now())) {
        // Intermediate fade steps that cannot go are not worth a warning each; the end value is.
        links.get(w.mixer)?.run(`${w.param.param} ${w.value}`, (s) => s.set(w.param, w.value), { quiet: playback.busy });
      }
    }),
  );
  log.debug(`sound cues in ${[...program.depts.keys()].join(', ') || 'no department'}`);
  return {
    links,
    playback,
    states: () => [...links.values()].map((l) => l.state),
    banner,
    async close() {
      subscription.unsubscribe();
      await Promise.all([...links.values()].map((l) => l.stop()));
    },
  };
}
