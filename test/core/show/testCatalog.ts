import type { FixtureCatalog } from '../../../engine/core/show/validate.js';

/** A small in-memory fixture catalog for show-validation tests. */
export const testCatalog: FixtureCatalog = {
  modes(type) {
    switch (type) {
      case 'generic/rgbw-par':
        return [{ name: '4-channel', shortName: '4ch', channelCount: 4 }, { name: '8-channel', shortName: '8ch', channelCount: 8 }];
      case 'generic/dimmer':
        return [{ name: '1-channel', shortName: '1ch', channelCount: 1 }];
      default:
        return undefined;
    }
  },
  types: () => ['generic/dimmer', 'generic/rgbw-par'],
};

/** A valid minimal show as a plain object; tests break one thing at a time. */
export function baseShow(): Record<string, unknown> {
  return {
    version: 1,
    name: 'Test',
    fixtures: [
      { id: 'par1', type: 'generic/rgbw-par', mode: '8ch', universe: 1, address: 1 },
      { id: 'par2', type: 'generic/rgbw-par', mode: '8ch', universe: 1, address: 9 },
      { id: 'dim1', type: 'generic/dimmer', mode: '1ch', universe: 2, address: 512 },
    ],
    groups: { pars: ['par1', 'par2'] },
    outputs: {
      universes: [
        { id: 1, driver: { kind: 'artnet', host: '127.0.0.1' } },
        { id: 2, driver: { kind: 'sacn', universe: 2 } },
      ],
      osc: [{ id: 'video', host: '127.0.0.1', port: 7000 }],
    },
    departments: [
      {
        id: 'LX',
        cues: [
          { number: '1', fadeUpMs: 3000, levels: { pars: { intensity: 1, color: '#ff0000' } } },
          { number: '1.5', levels: { par1: { intensity: 0.5 } } },
        ],
      },
      { id: 'VID', cues: [{ number: '1', messages: [{ kind: 'osc', target: 'video', address: '/clip/1', args: [1] }] }] },
    ],
  };
}
