import { describe, expect, it } from 'vitest';
import { sendsOnChange } from '../../../engine/core/dmx/refresh.js';

describe('refresh rules', () => {
  it('sends on change by default, except Open DMX, whose host must stream every frame', () => {
    expect(sendsOnChange({ driver: { kind: 'artnet', host: '10.0.0.5', port: 6454, net: 0, subnet: 0, universe: 0 } })).toBe(true);
    expect(sendsOnChange({ driver: { kind: 'sacn', universe: 1, priority: 100, port: 5568, sourceName: 'x' } })).toBe(true);
    expect(sendsOnChange({ driver: { kind: 'enttec-usb-pro', port: '/dev/ttyUSB0' } })).toBe(true);
    expect(sendsOnChange({ driver: { kind: 'open-dmx', port: '/dev/ttyUSB0' } })).toBe(false);
  });

  it('a show may ask any universe to stream, or Open DMX to send on change', () => {
    expect(sendsOnChange({ sendOnChange: false, driver: { kind: 'artnet', host: '10.0.0.5', port: 6454, net: 0, subnet: 0, universe: 0 } })).toBe(false);
    expect(sendsOnChange({ sendOnChange: true, driver: { kind: 'open-dmx', port: '/dev/ttyUSB0' } })).toBe(true);
  });
});
