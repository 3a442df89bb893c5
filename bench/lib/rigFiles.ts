/**
 * The rig the performance benchmarks run: N universes, each filled with 128 four-channel RGBW pars
 * (512 channels), written as a Precue show folder and as the same rig in a QLC+ 4 workspace (.qxw),
 * both sending Art-Net universe k (0-based) as Port-Address k to one loopback host.
 *
 * Precue fades with two cues (everything full, everything out, 1 s each) that the benchmark fires in
 * turn over OSC; QLC+ with a looping chaser of the same two scenes, 1 s fade-in each, started by the
 * workspace's Autostart function. Either way every channel of every universe is always fading.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SHOW_VERSION } from '../../engine/core/show/schema.js';

/** Fixtures per universe: 128 × 4 channels = 512. */
export const FIXTURES_PER_UNIVERSE = 128;
/** Channels per fixture (generic/rgbw-par in its 4-channel mode; QLC+ Generic RGBW, mode RGBW). */
export const CHANNELS_PER_FIXTURE = 4;
/** Fade time of each step, ms. */
export const RIG_FADE_MS = 1000;

/** Where a rig sends. */
export interface RigTarget {
  /** Loopback address the Art-Net goes to (127.x.y.z); each peer gets its own so a listener sees only it. */
  readonly host: string;
  /** Art-Net UDP port (QLC+ always sends to 6454). */
  readonly port: number;
}

function artnetAddress(index: number): { net: number; subnet: number; universe: number } {
  return { net: (index >> 8) & 0x7f, subnet: (index >> 4) & 0x0f, universe: index & 0x0f };
}

/** The Precue show for an N-universe rig (`oscPort`: where the benchmark sends its GOs). */
export function rigShow(universes: number, target: RigTarget, oscPort: number): Record<string, unknown> {
  const fixtures: Record<string, unknown>[] = [];
  const groups: Record<string, string[]> = {};
  for (let u = 1; u <= universes; u++) {
    const members: string[] = [];
    for (let i = 0; i < FIXTURES_PER_UNIVERSE; i++) {
      const id = `u${u}p${i + 1}`;
      fixtures.push({ id, type: 'generic/rgbw-par', mode: '4-channel', universe: u, address: 1 + i * CHANNELS_PER_FIXTURE });
      members.push(id);
    }
    groups[`u${u}`] = members;
  }
  const full: Record<string, unknown> = {};
  const out: Record<string, unknown> = {};
  for (const g of Object.keys(groups)) {
    full[g] = { intensity: 1, color: { r: 1, g: 1, b: 1, w: 1 } };
    out[g] = { intensity: 0 };
  }
  return {
    version: SHOW_VERSION,
    name: `bench rig: ${universes} universe${universes === 1 ? '' : 's'}`,
    fixtures,
    groups,
    outputs: {
      universes: Array.from({ length: universes }, (_, i) => ({
        id: i + 1,
        driver: { kind: 'artnet', host: target.host, port: target.port, ...artnetAddress(i) },
      })),
    },
    inputs: { osc: { port: oscPort, host: '127.0.0.1' } },
    departments: [
      {
        id: 'LX',
        mode: 'manual',
        minGoIntervalMs: 0,
        cues: [
          { number: '1', name: 'full', fadeUpMs: RIG_FADE_MS, levels: full },
          { number: '2', name: 'out', fadeUpMs: RIG_FADE_MS, levels: out },
        ],
      },
    ],
  };
}

/** Writes the show folder; returns its path. */
export async function writeRigShow(dir: string, universes: number, target: RigTarget, oscPort: number): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'show.json'), JSON.stringify(rigShow(universes, target, oscPort)));
  return dir;
}

const xmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * How QLC+ is patched: `pars`, the same rig (128 Generic RGBW pars per universe); or `dimmers`, each
 * universe one 512-channel generic dimmer pack — the same 512 fading channels, but 1 fixture instead
 * of 128 for QLC+ to keep (less work and memory for it), and a workspace that loads in seconds where
 * QLC+ 4.12 takes minutes over tens of thousands of fixtures.
 */
export type QlcRig = 'pars' | 'dimmers';

/**
 * The same rig as a QLC+ 4 workspace. `fading`: a looping two-step chaser (full ↔ out, 1 s fade-in,
 * no hold) starts on load in operate mode; otherwise nothing runs (idle).
 */
export function rigWorkspace(universes: number, target: RigTarget, fading: boolean, rig: QlcRig = 'pars'): string {
  const lines: string[] = [];
  lines.push('<?xml version="1.0" encoding="UTF-8"?>', '<!DOCTYPE Workspace>', '<Workspace xmlns="http://www.qlcplus.org/Workspace" CurrentWindow="VirtualConsole">');
  lines.push(' <Creator><Name>Q Light Controller Plus</Name><Version>4.12.6</Version><Author>precue bench/rig.ts</Author></Creator>');
  const chaserId = 2;
  lines.push(fading ? ` <Engine Autostart="${chaserId}">` : ' <Engine>');
  lines.push('  <InputOutputMap>');
  for (let u = 0; u < universes; u++) {
    // Line 0 is the loopback interface (QLC+ lists interfaces in system order; lo comes first).
    lines.push(`   <Universe Name="Universe ${u + 1}" ID="${u}">`);
    lines.push(`    <Output Plugin="ArtNet" UID="127.0.0.1" Line="0"><PluginParameters outputIP="${xmlEscape(target.host)}" outputUni="${u}"/></Output>`);
    lines.push('   </Universe>');
  }
  lines.push('  </InputOutputMap>');
  let id = 0;
  const full: string[] = [];
  const out: string[] = [];
  const values = (n: number, v: number): string => Array.from({ length: n }, (_, c) => `${c},${v}`).join(',');
  for (let u = 0; u < universes; u++) {
    if (rig === 'dimmers') {
      const n = FIXTURES_PER_UNIVERSE * CHANNELS_PER_FIXTURE;
      lines.push(`  <Fixture><Manufacturer>Generic</Manufacturer><Model>Generic</Model><Mode>${n} Channel</Mode><ID>${id}</ID><Name>u${u + 1}</Name><Universe>${u}</Universe><Address>0</Address><Channels>${n}</Channels></Fixture>`);
      full.push(`   <FixtureVal ID="${id}">${values(n, 255)}</FixtureVal>`);
      out.push(`   <FixtureVal ID="${id}">${values(n, 0)}</FixtureVal>`);
      id++;
      continue;
    }
    for (let i = 0; i < FIXTURES_PER_UNIVERSE; i++, id++) {
      lines.push(
        `  <Fixture><Manufacturer>Generic</Manufacturer><Model>Generic RGBW</Model><Mode>RGBW</Mode><ID>${id}</ID><Name>u${u + 1}p${i + 1}</Name><Universe>${u}</Universe><Address>${i * CHANNELS_PER_FIXTURE}</Address><Channels>${CHANNELS_PER_FIXTURE}</Channels></Fixture>`,
      );
      full.push(`   <FixtureVal ID="${id}">${values(CHANNELS_PER_FIXTURE, 255)}</FixtureVal>`);
      out.push(`   <FixtureVal ID="${id}">${values(CHANNELS_PER_FIXTURE, 0)}</FixtureVal>`);
    }
  }
  lines.push('  <Function ID="0" Type="Scene" Name="full">', '   <Speed FadeIn="0" FadeOut="0" Duration="0"/>', ...full, '  </Function>');
  lines.push('  <Function ID="1" Type="Scene" Name="out">', '   <Speed FadeIn="0" FadeOut="0" Duration="0"/>', ...out, '  </Function>');
  lines.push(
    `  <Function ID="${chaserId}" Type="Chaser" Name="fade loop">`,
    `   <Speed FadeIn="${RIG_FADE_MS}" FadeOut="0" Duration="${RIG_FADE_MS}"/>`,
    '   <Direction>Forward</Direction>',
    '   <RunOrder>Loop</RunOrder>',
    '   <SpeedModes FadeIn="Common" FadeOut="Common" Duration="Common"/>',
    `   <Step Number="0" FadeIn="${RIG_FADE_MS}" Hold="0" FadeOut="0">0</Step>`,
    `   <Step Number="1" FadeIn="${RIG_FADE_MS}" Hold="0" FadeOut="0">1</Step>`,
    '  </Function>',
  );
  lines.push(' </Engine>', '</Workspace>', '');
  return lines.join('\n');
}

/** Writes the workspace and a QLC+ settings folder (XDG_CONFIG_HOME) fixing its timer at `rateHz`. */
export async function writeRigWorkspace(dir: string, universes: number, target: RigTarget, fading: boolean, rateHz: number, rig: QlcRig = 'pars'): Promise<{ file: string; configHome: string }> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${fading ? 'rig' : 'rig-idle'}-${rig}.qxw`);
  await writeFile(file, rigWorkspace(universes, target, fading, rig));
  const configHome = join(dir, 'qlcplus-config');
  await mkdir(join(configHome, 'qlcplus'), { recursive: true });
  // QSettings(organization "qlcplus", application "Q Light Controller Plus"); MasterTimer reads mastertimer/frequency.
  await writeFile(join(configHome, 'qlcplus', 'Q Light Controller Plus.conf'), `[mastertimer]\nfrequency=${rateHz}\n`);
  return { file, configHome };
}
