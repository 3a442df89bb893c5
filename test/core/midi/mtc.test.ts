import { firstValueFrom, from, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { timecodeTriggers } from '../../../engine/core/arbiter/timecode.js';
import { MtcChaseDecoder, MtcGenerator, type MtcChaseEvent, decodeMtcFullFrame, decodeQuarterFrame, encodeMtcFullFrame, encodeQuarterFrames } from '../../../engine/core/midi/mtc.js';
import { decodeMidi, encodeMidi } from '../../../engine/core/midi/midi.js';
import { formatTimecode, framesToTimecode, parseTimecode, secondsToTimecode, timecodeToFrames } from '../../../engine/core/midi/timecode.js';

describe('MIDI timecode', () => {
  it('encodes a full frame as F0 7F 7F 01 01 hr mn sc fr F7 with the rate in hr bits 5-6', () => {
    // 01:02:03:04 at 25 fps: hr = 0b0_01_00001 = 0x21.
    expect([...encodeMtcFullFrame(parseTimecode('01:02:03:04', 25))]).toEqual([0xf0, 0x7f, 0x7f, 0x01, 0x01, 0x21, 0x02, 0x03, 0x04, 0xf7]);
    expect(decodeMtcFullFrame([0xf0, 0x7f, 0x7f, 0x01, 0x01, 0x61, 0x02, 0x03, 0x04, 0xf7])).toEqual(parseTimecode('01:02:03:04', 30));
  });

  it('encodes quarter frames F1 0nnndddd, pieces 0..7 (17:37:52:16 at 30 fps)', () => {
    const q = encodeQuarterFrames(parseTimecode('17:37:52:16', 30)).map((b) => b[1]);
    // frames 16 = 0x10 → 0x00, 0x11; seconds 52 = 0x34 → 0x24, 0x33; minutes 37 = 0x25 → 0x45, 0x52;
    // hours 17 = 0x11 → 0x61, 0x70 | (3 << 1) | 1 = 0x77.
    expect(q).toEqual([0x00, 0x11, 0x24, 0x33, 0x45, 0x52, 0x61, 0x77]);
    expect(decodeQuarterFrame([0xf1, 0x77])).toEqual({ piece: 7, value: 7 });
  });

  it('handles 29.97 drop-frame counting', () => {
    expect(timecodeToFrames(parseTimecode('00:01:00;02', 29.97))).toBe(1800);
    expect(formatTimecode(framesToTimecode(1800, 29.97))).toBe('00:01:00;02');
    expect(formatTimecode(framesToTimecode(17982, 29.97))).toBe('00:10:00;00');
    expect(() => parseTimecode('00:01:00:00', 29.97)).toThrow(/drop-frame/);
  });

  it('chases a generated stream: locks after 8 quarter frames, advances per frame, reports the stop', () => {
    const gen = new MtcGenerator(25);
    const dec = new MtcChaseDecoder(100);
    const positions: string[] = [];
    let t = 10; // seconds
    const first = gen.at(t); // a locate (full frame)
    const ev0 = dec.fullFrame(decodeMtcFullFrame(first[0]!));
    expect(ev0).toMatchObject({ kind: 'position', running: false });
    let nowMs = 0;
    for (let i = 0; i < 50; i++) {
      t += 0.01;
      nowMs += 10;
      for (const m of gen.at(t)) {
        const e = decodeMidi(m);
        if (e.kind !== 'mtc-quarter') throw new Error('expected quarter frames');
        const ev = dec.quarterFrame(e.frame, nowMs);
        if (ev?.kind === 'position') positions.push(formatTimecode(ev.timecode));
      }
    }
    expect(positions.length).toBeGreaterThan(5);
    // Within one frame of the transport time (10.5 s = 00:00:10:12 at 25 fps).
    const last = parseTimecode(positions[positions.length - 1]!, 25);
    expect(Math.abs(timecodeToFrames(last) - timecodeToFrames(secondsToTimecode(t, 25)))).toBeLessThanOrEqual(1);
    expect(dec.isRunning(nowMs)).toBe(true);
    expect(dec.check(nowMs + 500)).toMatchObject({ kind: 'stopped' });
  });
});

describe('MIDI channel messages', () => {
  it('encodes and decodes note, CC and program with channels 1..16', () => {
    expect([...encodeMidi({ type: 'note-on', channel: 1, number: 60, value: 100 })]).toEqual([0x90, 60, 100]);
    expect([...encodeMidi({ type: 'cc', channel: 16, number: 7, value: 127 })]).toEqual([0xbf, 7, 127]);
    expect([...encodeMidi({ type: 'program', channel: 3, number: 5 })]).toEqual([0xc2, 5]);
    expect(decodeMidi([0x90, 60, 0])).toEqual({ kind: 'channel', message: { type: 'note-off', channel: 1, number: 60, value: 0 } });
    expect(decodeMidi([0xf0, 0x7f, 0x7f, 0x02, 0x01, 0x01, 0x31, 0xf7]).kind).toBe('msc');
    expect(() => encodeMidi({ type: 'cc', channel: 17, number: 1 })).toThrow(/1..16/);
    expect(() => decodeMidi([0x90, 200, 1])).toThrow(/data byte/);
  });
});

describe('MTC chase through dropouts', () => {
  /** Feeds `seconds` of generated MTC from `t`, calling check() every 10 ms; returns the events. */
  function run(dec: MtcChaseDecoder, gen: MtcGenerator, from: { t: number; nowMs: number }, seconds: number, feed: boolean) {
    const events: MtcChaseEvent[] = [];
    for (let i = 0; i < seconds * 100; i++) {
      from.t += 0.01;
      from.nowMs += 10;
      if (feed) {
        for (const m of gen.at(from.t)) {
          const e = decodeMidi(m);
          const ev = e.kind === 'mtc-quarter' ? dec.quarterFrame(e.frame, from.nowMs) : e.kind === 'mtc-full' ? dec.fullFrame(e.timecode) : undefined;
          if (ev !== undefined) events.push(ev);
        }
      }
      const c = dec.check(from.nowMs);
      if (c !== undefined) events.push(c);
    }
    return events;
  }
  const frames = (e: MtcChaseEvent): number => (e.kind === 'position' ? timecodeToFrames(e.timecode) : -1);

  it('freewheels at the frame rate, then re-locks without going back when timecode returns', () => {
    const gen = new MtcGenerator(25);
    const dec = new MtcChaseDecoder(100, 1000);
    const clock = { t: 100, nowMs: 0 };
    run(dec, gen, clock, 1, true);
    const dropout = run(dec, gen, clock, 0.5, false); // the line drops for half a second
    const free = dropout.filter((e) => e.kind === 'position' && e.freewheel === true);
    expect(free.length).toBeGreaterThan(5);
    // Freewheeling keeps up with the transport (within two frames).
    expect(Math.abs(frames(free[free.length - 1]!) - timecodeToFrames(secondsToTimecode(clock.t, 25)))).toBeLessThanOrEqual(2);
    gen.at(clock.t); // the source kept running: no locate
    const back = run(dec, gen, clock, 0.5, true);
    const all = [...free, ...back].filter((e) => e.kind === 'position').map(frames);
    for (let i = 1; i < all.length; i++) expect(all[i]).toBeGreaterThanOrEqual(all[i - 1]!); // never backwards
    expect(back.some((e) => e.kind === 'stopped')).toBe(false);
    expect(dec.isFreewheeling).toBe(false);
  });

  it('stops once the freewheel runs out, and not before', () => {
    const gen = new MtcGenerator(30);
    const dec = new MtcChaseDecoder(100, 400);
    const clock = { t: 10, nowMs: 0 };
    run(dec, gen, clock, 0.5, true);
    const out = run(dec, gen, clock, 1, false);
    const stop = out.findIndex((e) => e.kind === 'stopped');
    expect(stop).toBeGreaterThan(0);
    expect(out.slice(0, stop).every((e) => e.kind === 'position' && e.freewheel === true)).toBe(true);
    expect(out.slice(stop + 1)).toEqual([]);
  });

  it('without freewheel, stops at the dropout', () => {
    const gen = new MtcGenerator(25);
    const dec = new MtcChaseDecoder(100, 0);
    const clock = { t: 1, nowMs: 0 };
    run(dec, gen, clock, 0.5, true);
    expect(run(dec, gen, clock, 0.3, false)[0]).toMatchObject({ kind: 'stopped' });
  });

  it('a cue timed inside a dropout fires once, from the freewheel, and not again on re-lock', async () => {
    const show = { inputs: { timecode: { source: 'mtc' as const, midiPort: 'x', fps: 25 as const } }, departments: [{ id: 'LX', cues: [{ number: '7', timecode: '00:01:40:10' }] }] } as unknown as Parameters<typeof timecodeTriggers>[0];
    const gen = new MtcGenerator(25);
    const dec = new MtcChaseDecoder(100, 1000);
    const clock = { t: 100, nowMs: 0 };
    const events = [...run(dec, gen, clock, 0.2, true), ...run(dec, gen, clock, 0.4, false)];
    gen.at(clock.t);
    events.push(...run(dec, gen, clock, 0.6, true));
    const fired = await firstValueFrom(from(events).pipe(timecodeTriggers(show), toArray()));
    expect(fired.map((e) => e.command)).toEqual([{ type: 'cueStart', dept: 'LX', cue: '7' }]);
  });
});
