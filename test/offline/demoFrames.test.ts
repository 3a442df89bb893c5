/**
 * The demo show driven through its whole take offline (listening, arbiter, playback, universes on a
 * virtual clock): two runs give identical DMX frames, and frames at chosen times equal values worked
 * out by hand from the show file.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { offlineScheduler, replayTake } from '../../engine/core/offline.js';
import { type AudioBlock } from '../../engine/core/audio/types.js';
import { type FixtureProfile } from '../../engine/core/fixtures/profile.js';
import { type ConsoleCommand } from '../../engine/core/protocol/messages.js';
import { type ShowFile } from '../../engine/core/show/schema.js';
import { catalogFromDefinitions } from '../../engine/core/show/catalog.js';
import { loadFixtureLibrary } from '../../engine/io/fixtures/loadFixtureLibrary.js';
import { loadShow } from '../../engine/io/show/loadShow.js';
import { readWavFile } from '../../engine/io/audio/wavFile.js';

const showDir = resolve('shows/demo');
const takeDir = join(showDir, 'takes/demo');
const present = existsSync(join(takeDir, 'audio.wav')) && existsSync(join(takeDir, 'cues.jsonl'));

/** Hand formula for the show's `s-curve` (smoothstep). */
const smooth = (x: number): number => (x <= 0 ? 0 : x >= 1 ? 1 : x * x * (3 - 2 * x));

interface Run {
  hash: string;
  frames: number;
  /** Copies of the outputs at the first frame at or after each chosen time. */
  at: Map<number, { tMs: number; u1: Uint8Array; u2: Uint8Array }>;
  decisions: string[];
  messages: string[];
}

const CHOSEN_MS = [0, 1000, 5000, 11_500, 12_500];

describe.skipIf(!present)('demo show, whole take, offline', () => {
  let show: ShowFile;
  let profiles: Map<string, FixtureProfile>;
  let blocks: AudioBlock[];
  let commands: { atMs: number; command: ConsoleCommand }[];

  beforeAll(async () => {
    const library = await loadFixtureLibrary(resolve('fixtures'));
    show = (await loadShow(showDir, catalogFromDefinitions(library))).show;
    profiles = new Map(show.fixtures.map((f) => [f.id, library.profile(f.type, f.mode)]));
    const wav = await readWavFile(join(takeDir, 'audio.wav'));
    const size = 2048;
    blocks = [];
    for (let i = 0; i < wav.samples.length; i += size) {
      blocks.push({ t: i / wav.sampleRate, sampleRate: wav.sampleRate, samples: wav.samples.subarray(i, Math.min(i + size, wav.samples.length)) });
    }
    // The take's cue log, replayed as the operator's GOTOs at their times.
    const lines = (await readFile(join(takeDir, 'cues.jsonl'), 'utf8')).split('\n').filter((l) => l.trim() !== '');
    commands = lines.map((l) => {
      const { t, dept, cue } = JSON.parse(l) as { t: number; dept: string; cue: string };
      return { atMs: t * 1000, command: { type: 'goto', dept, cue } };
    });
  });

  function run(): Run {
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193;
    const at = new Map<number, { tMs: number; u1: Uint8Array; u2: Uint8Array }>();
    const result = replayTake(
      {
        show,
        profiles,
        blocks,
        commands,
        listening: { bufferSize: show.audio?.bufferSize ?? 2048, hopSize: show.audio?.hopSize ?? 512 },
        onFrame: (tMs, outputs) => {
          for (const [, buf] of outputs) {
            for (let i = 0; i < buf.length; i++) {
              h1 = Math.imul(h1 ^ buf[i]!, 0x01000193) >>> 0;
              h2 = Math.imul(h2 + buf[i]! + i, 0x5bd1e995) >>> 0;
            }
          }
          for (const c of CHOSEN_MS) {
            if (!at.has(c) && tMs >= c) at.set(c, { tMs, u1: outputs.get(1)!.slice(), u2: outputs.get(2)!.slice() });
          }
        },
      },
      offlineScheduler(),
    );
    return {
      hash: `${h1.toString(16)}:${h2.toString(16)}`,
      frames: result.frames,
      at,
      decisions: result.decisions.map((d) => `${d.t.toFixed(3)} ${d.dept ?? '*'} ${d.action} ${d.cue ?? ''} ${d.source}`),
      messages: result.messages.map((m) => `${m.tMs.toFixed(3)} ${m.dept} ${m.cue} ${m.message.kind}`),
    };
  }

  let first: Run;
  let second: Run;
  beforeAll(() => {
    first = run();
    second = run();
  }, 120_000);

  it('produces the same DMX frames, decisions and messages on two runs', () => {
    expect(first.frames).toBeGreaterThan(44 * 90);
    expect(second.hash).toBe(first.hash);
    expect(second.frames).toBe(first.frames);
    expect(second.decisions).toEqual(first.decisions);
    expect(second.messages).toEqual(first.messages);
    expect(first.decisions).toHaveLength(commands.length);
    // VID and CAM cues each send their messages once, when fired.
    expect(first.messages.filter((m) => m.includes(' VID ')).length).toBe(5 + 1); // cue 1 sends two
    expect(first.messages.filter((m) => m.includes(' CAM ')).length).toBe(9);
  });

  it('matches hand-computed values at chosen times', () => {
    const frame = (ms: number) => first.at.get(ms)!;
    // Before the first GO (55 ms) everything is dark.
    expect(frame(0).u1[0]).toBe(0);

    // LX 1 at 55 ms: pars to 0.4 in a 2 s s-curve; colour #1030ff snaps in (nothing to fade from).
    // The RGBW par takes white as min(r,g,b): R 0, G 0x30-0x10, B 0xff-0x10, W 0x10.
    const f1 = frame(1000);
    expect(f1.u1[0]).toBe(Math.round(255 * 0.4 * smooth((f1.tMs - 55) / 2000)));
    expect([...f1.u1.subarray(1, 5)]).toEqual([0, 0x20, 0xef, 0x10]);
    const f5 = frame(5000);
    for (let par = 0; par < 8; par++) expect(f5.u1[par * 8]).toBe(102); // 0.4 × 255
    // Heads are dark in LX 1 but move in black to LX 2's position; 16-bit dimmer at 0.
    expect([...f5.u2.subarray(5, 7)]).toEqual([0, 0]);

    // LX 2 at 10.722 s: heads 0 → 0.6 over 1.5 s s-curve, 16-bit dimmer (coarse, fine).
    for (const ms of [11_500, 12_500]) {
      const f = frame(ms);
      const v = Math.round(65535 * 0.6 * smooth((f.tMs - 10_722) / 1500));
      expect([f.u2[5], f.u2[6]]).toEqual([v >>> 8, v & 255]);
    }
    // Move in black: the heads' pan/tilt (channels 1-4) did not move when they faded up.
    expect([...frame(12_500).u2.subarray(0, 4)]).toEqual([...f5.u2.subarray(0, 4)]);
  });
});
