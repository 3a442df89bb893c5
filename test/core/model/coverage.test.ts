import { describe, expect, it } from 'vitest';
import { describeModelCoverage } from '../../../engine/core/model/coverage.js';

const meta = { depts: ['LX', 'CAM', 'SFX'], vocab: { LX: ['1', '2'], CAM: ['1', '2', '3'], SFX: ['1'] } };
const dept = (id: string, cues: string[]) => ({ id, cues: cues.map((number) => ({ number })) });

describe('model coverage of a show', () => {
  it('says nothing when the model covers the show exactly', () => {
    expect(describeModelCoverage({ depts: ['LX'], vocab: { LX: ['1', '2.5'] } }, { departments: [dept('LX', ['1', '2.50'])] } as never)).toEqual([]);
  });

  it('names departments that run by hand, cues never predicted, predictions dropped, and model departments ignored', () => {
    const show = { departments: [dept('LX', ['1', '2']), dept('CAM', ['1', '2', '4', '5']), dept('SW', ['1'])] };
    expect(describeModelCoverage(meta, show as never)).toEqual([
      "model: CAM cues 4, 5 not in the model: it never predicts them (retrain with 'precue train' on takes that include them)",
      'model: CAM cue 3 of the model is no longer in the show: its predictions are dropped',
      'model: SW is not in the model (trained on LX, CAM, SFX): SW runs by hand until the model is retrained',
      'model: department SFX of the model is not in the show: ignored',
    ]);
  });
});
