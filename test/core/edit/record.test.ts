/**
 * Recording a look into a cue as a lighting desk does: only what differs from the tracked state is
 * written; `tracking` lets the change run on into later cues, `cue-only` keeps later cues' looks by
 * writing what they used to inherit into the next cue; a dark fixture's presets are not recorded when
 * the department moves in black.
 */
import { describe, expect, it } from 'vitest';
import { LookSpace, trackedLooks, type RawCue } from '../../../engine/core/edit/looks.js';
import { recordLook } from '../../../engine/core/edit/record.js';
import { SLOT_INTENSITY, SLOT_PAN } from '../../../engine/core/playback/slots.js';

const patch = { fixtures: [{ id: 'par1' }, { id: 'par2' }], groups: { pars: ['par1', 'par2'] } } as unknown as ConstructorParameters<typeof LookSpace>[0];
const cues: RawCue[] = [
  { number: '12', levels: { pars: { intensity: 0.5 } } },
  { number: '13', levels: { par1: { intensity: 1 } } },
  { number: '14', levels: { pars: { intensity: 0 } } },
];

function stage(space: LookSpace, looks: Record<string, { intensity: number; pan?: number }>): Map<string, Float64Array> {
  return new Map(Object.entries(looks).map(([id, look]) => [id, space.fromLook(look)]));
}
const intensityIn = (space: LookSpace, list: RawCue[], cue: string, fixture: string): number =>
  trackedLooks(space, list).find((t) => t.number === cue)!.look.get(fixture)![SLOT_INTENSITY]!;

describe('recording a look', () => {
  it('updates a cue with tracking: the change runs on into the cues that do not move it', () => {
    const space = new LookSpace(patch);
    const r = recordLook(space, cues, '12', stage(space, { par1: { intensity: 0.8 }, par2: { intensity: 0.8 } }), { mode: 'tracking', moveInBlack: true });
    // The cue's own moves stay as written (the group), the recorded values are added per fixture.
    expect(r.cues[0]!.levels).toEqual({ pars: { intensity: 0.5 }, par1: { intensity: 0.8 }, par2: { intensity: 0.8 } });
    expect(intensityIn(space, r.cues, '12', 'par1')).toBeCloseTo(0.8, 3);
    expect(intensityIn(space, r.cues, '13', 'par2')).toBeCloseTo(0.8, 3);
    expect(r.changed).toEqual(['12']);
  });

  it('updates a cue cue-only: later cues keep the looks they had', () => {
    const space = new LookSpace(patch);
    const r = recordLook(space, cues, '12', stage(space, { par1: { intensity: 0.8 }, par2: { intensity: 0.8 } }), { mode: 'cue-only', moveInBlack: true });
    expect(intensityIn(space, r.cues, '12', 'par2')).toBeCloseTo(0.8, 3);
    expect(intensityIn(space, r.cues, '13', 'par2')).toBeCloseTo(0.5, 3);
    expect(r.cues[1]!.levels).toMatchObject({ par1: { intensity: 1 }, par2: { intensity: 0.5 } });
    expect(r.changed).toEqual(['12', '13']);
  });

  it("records a new cue in number order with only what differs, and leaves a dark fixture's presets out", () => {
    const space = new LookSpace(patch);
    const r = recordLook(space, cues, '13.5', stage(space, { par1: { intensity: 0.3 }, par2: { intensity: 0, pan: 90 } }), { mode: 'tracking', moveInBlack: true });
    expect(r.cues.map((c) => c.number)).toEqual(['12', '13', '13.5', '14']);
    expect(r.cues[2]).toEqual({ number: '13.5', levels: { par1: { intensity: 0.3 }, par2: { intensity: 0 } } });
    const tracked = trackedLooks(space, r.cues).find((t) => t.number === '13.5')!;
    expect(Number.isNaN(tracked.look.get('par2')![SLOT_PAN]!)).toBe(true);
  });
});
