/**
 * The audio side of a stage take, with sox: the room heard through a microphone (reverb, EQ, level,
 * noise under it, band-limit) and the crowd of a walk-in. Applied after the music is rendered (or
 * re-edited), so none of it moves the cue truth.
 */
import { execFile } from 'node:child_process';
import { rename, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { EditMap } from './stageEdit.js';

const run = promisify(execFile);

/** Sample rate of every generated take. */
export const STAGE_RATE = 22050;

/** Runs sox with repeatable noise (`-R`). */
export async function sox(args: readonly string[]): Promise<void> {
  await run('sox', ['-R', ...args], { maxBuffer: 1 << 24 });
}

const secs = (t: number): string => Math.max(0, t).toFixed(4);

/**
 * Crowd-like noise for `durationS`: three band-passed noise layers, each swelling at its own slow
 * rate (a room full of talk), full level for `walkInS`, then a quarter of it under the song.
 */
async function crowd(out: string, durationS: number, walkInS: number): Promise<void> {
  const layers = [
    ['pinknoise', 'sinc', '250-1200', 'tremolo', '0.37', '70', 'tremolo', '2.9', '35', 'vol', '0.22'],
    ['pinknoise', 'sinc', '700-2600', 'tremolo', '0.61', '60', 'tremolo', '4.3', '40', 'vol', '0.14'],
    ['brownnoise', 'sinc', '120-600', 'tremolo', '0.23', '50', 'vol', '0.12'],
  ];
  const files = layers.map((_, i) => `${out}.layer${i}.wav`);
  await Promise.all(layers.map((l, i) => sox(['-n', '-r', String(STAGE_RATE), '-c', '1', '-b', '16', files[i]!, 'synth', secs(durationS), ...l])));
  const mixed = `${out}.mixed.wav`;
  await sox(['-m', ...files.flatMap((f) => ['-v', '1', f]), mixed]);
  const head = `${out}.head.wav`;
  const tail = `${out}.tail.wav`;
  await sox([mixed, head, 'trim', '0', secs(walkInS), 'fade', 't', '0', secs(walkInS), '1.5']);
  await sox([mixed, tail, 'trim', secs(walkInS), 'vol', '0.25', 'fade', 't', '1.5']);
  await sox([head, tail, out]);
  await Promise.all([...files, mixed, head, tail].map((f) => rm(f, { force: true })));
}

/**
 * Turns a dry mono render `wav` (exactly `durationS` long) into what the stage sounds like under
 * `map`, in place: the band in the room (reverb), the crowd of a walk-in and the room's noise under
 * it, all heard through one microphone (EQ, band-limit, level).
 */
export async function stageSound(wav: string, map: EditMap, durationS: number): Promise<void> {
  const r = map.room;
  if (r === undefined && map.walkInS <= 0) return;
  const parts: string[] = [];
  const temp: string[] = [];
  if (r !== undefined) {
    const wet = `${wav}.room.wav`;
    await sox([wav, '-b', '16', wet, 'reverb', r.reverberance.toFixed(0), '50', r.roomScale.toFixed(0), '100', r.preDelayMs.toFixed(0), 'pad', '0', secs(durationS), 'trim', '0', secs(durationS)]);
    const hiss = `${wav}.hiss.wav`;
    await sox(['-n', '-r', String(STAGE_RATE), '-c', '1', '-b', '16', hiss, 'synth', secs(durationS), 'pinknoise', 'synth', secs(durationS), 'brownnoise', 'mix', 'highpass', '40', 'vol', r.noise.toFixed(4)]);
    parts.push(wet, hiss);
    temp.push(wet, hiss);
  } else parts.push(wav);
  if (map.walkInS > 0) {
    const people = `${wav}.crowd.wav`;
    await crowd(people, durationS, map.walkInS);
    parts.push(people);
    temp.push(people);
  }
  const mixed = `${wav}.stage.wav`;
  const mic = r === undefined ? [] : ['equalizer', '300', '1q', r.lowMidDb.toFixed(1), 'equalizer', '3500', '1.5q', r.presenceDb.toFixed(1), 'highpass', r.highpassHz.toFixed(0), 'lowpass', r.lowpassHz.toFixed(0), 'gain', '-n', r.levelDb.toFixed(1)];
  await sox(['-m', ...parts.flatMap((f) => ['-v', '1', f]), '-b', '16', mixed, ...mic, 'trim', '0', secs(durationS)]);
  await Promise.all(temp.map((f) => rm(f, { force: true })));
  await rename(mixed, wav);
}
