/**
 * Puts a patched fixture's channel roles into its universe: which channels merge HTP and how each
 * light-making channel goes dark (the fixture model's `ChannelSafety`). The pipeline calls this for
 * every fixture of a show, so blackout, the grand master and PANIC act on exactly what the fixture
 * model says makes light.
 */
import type { FixtureProfile } from '../fixtures/profile.js';
import { DMX_CHANNELS, type Universe } from './universe.js';

/** Declares `profile`'s channels at 1-based `address` of `universe`. Channels past 512 are left out. */
export function patchFixture(universe: Universe, profile: Pick<FixtureProfile, 'channels' | 'htpMask'>, address: number): void {
  for (const ch of profile.channels) {
    const channel = address + ch.offset;
    if (channel > DMX_CHANNELS) continue;
    if (profile.htpMask[ch.offset] === 1) universe.setMergeMode(channel, 'htp');
    if (ch.safety !== undefined) universe.setSafety(channel, ch.safety.kind, ch.safety.safeDmxValue);
  }
}
