/**
 * The first GO after start runs code V8 has not compiled yet: the console message's parse, the
 * arbiter, playback's fades, the frame and the universe's render. bench/latency.ts saw it take 7–11 ms
 * to the wire where every later GO takes ~1.5 ms. So before the show takes a command, a scratch show
 * runs that path on a virtual clock: one of the show's own fixtures (its profile, so its renderer is
 * the one the show uses) alone in a department of its own, GO to full, GO to black and PANIC, frames
 * between. It shares nothing with the show: no output, journal, log line or console hears it.
 */
import { Subject, VirtualAction, VirtualTimeScheduler } from 'rxjs';
import type { ConsoleInput } from './arbiter/arbiter.js';
import type { FixtureProfile } from './fixtures/profile.js';
import { withLogsMuted } from './log.js';
import { buildShowPipeline } from './pipeline.js';
import { parseClientMessage } from './protocol/messages.js';
import { showFileSchema, type ShowFile } from './show/schema.js';

/** Virtual milliseconds the scratch show runs for. */
const WARM_MS = 1500;

/**
 * Runs the GO path once on a scratch copy of one fixture of `show`. Returns false (and changes
 * nothing) when the show has no fixture with a profile, or the scratch show cannot be built.
 */
export function warmUpGoPath(show: ShowFile, profiles: ReadonlyMap<string, FixtureProfile>): boolean {
  return withLogsMuted(() => warmUp(show, profiles));
}

function warmUp(show: ShowFile, profiles: ReadonlyMap<string, FixtureProfile>): boolean {
  const fixture = show.fixtures.find((f) => profiles.has(f.id));
  if (fixture === undefined) return false;
  // The console's own words for a GO, as the server parses them.
  parseClientMessage(JSON.stringify({ type: 'command', id: 'warm-up', command: { type: 'goto', dept: 'WARM', cue: '1' } }));
  const parsed = showFileSchema.safeParse({
    version: show.version,
    name: 'warm-up',
    fixtures: [{ id: 'warm', type: fixture.type, mode: fixture.mode, universe: 1, address: 1 }],
    outputs: { universes: [{ id: 1, driver: { kind: 'null' } }] },
    departments: [{ id: 'WARM', mode: 'manual', minGoIntervalMs: 0, cues: [
      { number: '1', levels: { warm: { intensity: 1 } } },
      { number: '2', fadeUpMs: 200, levels: { warm: { intensity: 0 } } },
    ] }],
  });
  if (!parsed.success) return false;
  const scheduler = new VirtualTimeScheduler(VirtualAction, WARM_MS);
  const console$ = new Subject<ConsoleInput>();
  const pipeline = buildShowPipeline(parsed.data, new Map([['warm', profiles.get(fixture.id)!]]), { console$ }, scheduler);
  const loop = pipeline.runFrames(() => undefined, { restWhenIdle: true });
  const go = (cue: string): void => console$.next({ command: { type: 'goto', dept: 'WARM', cue }, user: 'warm-up' });
  scheduler.schedule(() => go('1'), 100);
  scheduler.schedule(() => go('2'), 500);
  scheduler.schedule(() => console$.next({ command: { type: 'panic' }, user: 'warm-up' }), 1000);
  try {
    scheduler.flush();
  } finally {
    loop.unsubscribe();
    pipeline.dispose();
    console$.complete();
  }
  return true;
}
