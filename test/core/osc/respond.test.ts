import { describe, expect, it } from 'vitest';
import { interpretOsc } from '../../../engine/core/osc/dictionary.js';
import { decodeOscPacket, encodeOscMessage } from '../../../engine/core/osc/packet.js';
import { oscReplyMessage, oscUpdateMessages, oscUpdateValues, respondToOsc, type OscControlState } from '../../../engine/core/osc/respond.js';
import type { DeptState } from '../../../engine/core/protocol/state.js';

function dept(id: string, cues: string[], over: Partial<DeptState> = {}): DeptState {
  return {
    id, label: id, mode: 'assist', confidenceThreshold: 0.8, cues: cues.map((n) => ({ number: n, name: `cue ${n}` })),
    current: null, standby: cues[0] ?? null, next: cues[1] ?? null, held: false, panicked: false, fadeProgress: null, lockoutUntilMs: null, prediction: null, ...over,
  };
}

const state = (over: Partial<OscControlState> = {}): OscControlState => ({
  depts: [dept('LX', ['1', '2', '3'], { current: '1', standby: '2', next: '3' }), dept('VID', ['10'], { current: '10', standby: null, next: null })],
  panic: false,
  safety: { grandMaster: 1, blackout: false },
  version: '9.9.9',
  ...over,
});

const ask = (address: string, args: { type: string; value: string | number }[] = [], s = state()) => {
  const r = interpretOsc({ address, args });
  if (r.kind === 'connect' || r.kind === 'disconnect' || r.kind === 'updates') throw new Error('session request');
  return respondToOsc(r, s);
};

describe('OSC replies', () => {
  it('names the cue a GO fires and the department it went to', () => {
    expect(ask('/go')).toEqual({ reply: { status: 'ok', data: { dept: 'LX', cue: '2' } }, command: { type: 'go', dept: 'LX' } });
    expect(ask('/back', [{ type: 's', value: 'LX' }])).toEqual({ reply: { status: 'ok', data: { dept: 'LX', cue: '1' } }, command: { type: 'back', dept: 'LX' } });
    expect(ask('/cue/3/start').command).toEqual({ type: 'cueStart', cue: '3', dept: 'LX' });
  });

  it('refuses what cannot happen, with the reason, and carries out nothing', () => {
    expect(ask('/go', [{ type: 's', value: 'VID' }])).toEqual({ reply: { status: 'error', data: 'VID is at the end of its cue list; GOTO a cue or BACK' } });
    expect(ask('/go', [{ type: 's', value: 'SND' }]).reply.data).toMatch(/no department 'SND' \(this show has LX, VID\)/);
    expect(ask('/cue/99/start')).toEqual({ reply: { status: 'error', data: 'LX has no cue 99' } });
    expect(ask('/dept/SND/mode', [{ type: 's', value: 'auto' }]).command).toBeUndefined();
    expect(ask('/back', [{ type: 's', value: 'LX' }], state({ depts: [dept('LX', ['1'])] })).reply.status).toBe('error');
  });

  it('answers queries from the state', () => {
    expect(ask('/thump').reply).toEqual({ status: 'ok', data: 'thump' });
    expect(ask('/version').reply.data).toBe('9.9.9');
    expect(ask('/playhead').reply.data).toEqual({ dept: 'LX', current: '1', standby: '2', next: '3', held: false });
    expect(ask('/dept/VID/mode').reply.data).toBe('assist');
    expect(ask('/cue/3/name').reply.data).toBe('cue 3');
    expect(ask('/gm').reply.data).toBe(1);
    expect(ask('/blackout').reply.data).toBe(0);
    expect(ask('/runningCues').reply.data).toEqual([{ dept: 'LX', cue: '1', fadeProgress: null }, { dept: 'VID', cue: '10', fadeProgress: null }]);
    expect((ask('/cueLists').reply.data as { dept: string }[]).map((d) => d.dept)).toEqual(['LX', 'VID']);
    expect(ask('/dept/LX/cues').reply.data).toEqual([{ number: '1', name: 'cue 1' }, { number: '2', name: 'cue 2' }, { number: '3', name: 'cue 3' }]);
  });

  it('moves the playhead without firing, and says when it cannot', () => {
    expect(ask('/playhead/next')).toEqual({ reply: { status: 'ok', data: { dept: 'LX', cue: '3' } }, command: { type: 'cueLoad', dept: 'LX', cue: '3' } });
    expect(ask('/playhead/previous')).toEqual({ reply: { status: 'ok', data: { dept: 'LX', cue: '1' } }, command: { type: 'cueLoad', dept: 'LX', cue: '1' } });
    expect(ask('/playhead/next', [{ type: 's', value: 'VID' }]).reply.status).toBe('error');
    expect(ask('/playhead/previous', [{ type: 's', value: 'VID' }]).command).toEqual({ type: 'cueLoad', dept: 'VID', cue: '10' });
  });

  it('encodes a reply as QLab does: /reply/<address> with one JSON string', () => {
    const m = oscReplyMessage('/cue/2/start', { status: 'ok', data: { dept: 'LX', cue: '2' } });
    const [decoded] = decodeOscPacket(encodeOscMessage(m));
    expect(decoded!.address).toBe('/reply/cue/2/start');
    expect(JSON.parse(decoded!.args[0]!.value as string)).toEqual({ address: '/cue/2/start', status: 'ok', data: { dept: 'LX', cue: '2' } });
    // An address OSC forbids in a reply still gets one.
    expect(oscReplyMessage('/bad address*', { status: 'error', data: 'x' }).address).toBe('/reply/bad_address_');
    const big = oscReplyMessage('/cueLists', { status: 'ok', data: 'x'.repeat(70_000) });
    expect(JSON.parse(big.args![0] as string)).toMatchObject({ status: 'error' });
  });

  it('sends subscribers only what changed', () => {
    const before = oscUpdateValues(state());
    const after = oscUpdateValues(state({ depts: [dept('LX', ['1', '2', '3'], { current: '2', standby: '3', next: null }), dept('VID', ['10'], { current: '10', standby: null, next: null })], safety: { grandMaster: 0.5, blackout: false } }));
    expect(oscUpdateMessages(before, after)).toEqual([
      { address: '/update/dept/LX/playbackPosition', args: ['3'] },
      { address: '/update/dept/LX/current', args: ['2'] },
      { address: '/update/gm', args: [{ type: 'f', value: 0.5 }] },
    ]);
    expect(oscUpdateMessages(new Map(), before)).toHaveLength(before.size);
  });
});
