import { describe, expect, it } from 'vitest';
import { parseLocatedJson } from '../../../engine/core/json/locate.js';
import { checkDeviceNames, formatNameProblem } from '../../../engine/core/show/deviceNames.js';
import { SHOW_VERSION, showFileSchema, type ShowFileInput } from '../../../engine/core/show/schema.js';
import { checkDeviceProfileText } from '../../../engine/core/show/validate.js';

const base: ShowFileInput = {
  version: SHOW_VERSION,
  name: 'names',
  outputs: {
    switchers: [{ id: 'obs', kind: 'obs', transitions: { cut: 'Cut', mix: 'Dissolve' } }],
    cameras: [{ id: 'c1', switcher: 'obs', input: 'Cam 1' }],
  },
  departments: [{ id: 'CAM', cues: [{ number: '1', messages: [{ kind: 'obs', target: 'obs', action: 'media', input: 'Intro clip', media: 'restart' }] }] }],
};

describe('device names', () => {
  it('checks transitions, scenes and media inputs against what OBS has', () => {
    const show = showFileSchema.parse(base);
    const problems = checkDeviceNames(show, 'obs', { kind: 'obs', scenes: ['Cam 1'], inputs: ['Camera 1'], transitions: ['Cut', 'Fade'] });
    expect(problems.map((p) => formatNameProblem(p))).toEqual([
      'show.json outputs.switchers[0].transitions.mix: OBS \'obs\' has no transition \'Dissolve\' (expected one of "Cut", "Fade")',
      'show.json departments[0].cues[0].messages[0].input: OBS \'obs\' has no input \'Intro clip\' (expected one of "Camera 1")',
    ]);
    expect(checkDeviceNames(show, 'obs', { kind: 'casparcg', channels: 1, clips: [], templates: [] })[0]?.message).toBe("output 'obs' is obs, but its profile describes casparcg");
  });

  it('locates a broken profile in the profile file, and the names it lacks in show.json', () => {
    const text = JSON.stringify(base, null, 2);
    const show = showFileSchema.parse(base);
    const doc = parseLocatedJson(text, 'show.json');
    const broken = checkDeviceProfileText(show, doc, 'obs', '{\n  "kind": "obs",\n  "scenes": "Cam 1"\n}\n', 'devices/obs.json');
    expect(broken).toEqual([expect.objectContaining({ file: 'devices/obs.json', line: 3, path: 'scenes' })]);
    const missing = checkDeviceProfileText(show, doc, 'obs', '{ "kind": "obs", "scenes": ["Cam 2"], "transitions": ["Cut", "Dissolve"] }', 'devices/obs.json');
    expect(missing.map((p) => [p.file, p.path])).toEqual([['show.json', 'outputs.cameras[0].input'], ['show.json', 'departments[0].cues[0].messages[0].input']]);
    const cameraLine = text.split('\n').findIndex((l) => l.includes('"input": "Cam 1"')) + 1;
    expect(missing[0]?.line).toBe(cameraLine);
  });

  it('refuses a shot with both a preset and a position, and an OBS transition without a name or duration', () => {
    const shot = showFileSchema.safeParse({ ...base, departments: [{ id: 'CAM', cues: [{ number: '1', messages: [{ kind: 'shot', target: 'c1', preset: 1, position: { pan: 0, tilt: 0 } }] }] }] });
    expect(shot.success).toBe(false);
    const transition = showFileSchema.safeParse({ ...base, departments: [{ id: 'CAM', cues: [{ number: '1', messages: [{ kind: 'obs', target: 'obs', action: 'transition' }] }] }] });
    expect(transition.success).toBe(false);
  });
});
