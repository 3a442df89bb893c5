/**
 * How cheap is the per-frame fixture render? Renders a 500-fixture rig (pars, moving heads, a
 * hazer) into 10 universes repeatedly and prints fixtures rendered per second and µs per frame.
 * Run: npx tsx bench/fixtureRender.ts
 */
import { loadFixtureLibrary } from '../engine/io/fixtures/loadFixtureLibrary.js';
import type { FixtureLook } from '../engine/core/fixtures/look.js';

const lib = await loadFixtureLibrary('fixtures');
const rig = [
  ...Array.from({ length: 300 }, () => lib.profile('generic/rgbw-par', '8-channel')),
  ...Array.from({ length: 150 }, () => lib.profile('generic/moving-head', 'Extended')),
  ...Array.from({ length: 49 }, () => lib.profile('generic/rgb-par', '3ch')),
  lib.profile('generic/hazer', '2ch'),
];
const universes = Array.from({ length: 12 }, () => new Uint8Array(512));
const looks: FixtureLook[] = Array.from({ length: 16 }, (_, i) => ({
  intensity: i / 15,
  color: i % 2 === 0 ? '#ff4010' : { r: 0.1, g: 0.5, b: 1 },
  pan: i * 10 - 80,
  tilt: i * 5 - 40,
  gobo: i % 4,
  zoom: 12 + i,
  strobeHz: i % 5 === 0 ? 8 : 0,
  haze: 0.4,
}));

const frames = 2000;
let address = 0;
const start = performance.now();
for (let f = 0; f < frames; f++) {
  address = 0;
  for (let i = 0; i < rig.length; i++) {
    const profile = rig[i]!;
    if ((address % 512) + profile.footprint > 512) address += 512 - (address % 512);
    profile.render(looks[(i + f) & 15]!, universes[Math.floor(address / 512)]!, address % 512);
    address += profile.footprint;
  }
}
const ms = performance.now() - start;
console.log(`rig: ${rig.length} fixtures, ${address} channels`);
console.log(`${frames} frames in ${ms.toFixed(0)} ms: ${((ms * 1000) / frames).toFixed(1)} µs per frame, ${((rig.length * frames) / (ms / 1000) / 1e6).toFixed(2)} M fixture renders/s`);
