import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/** Relative imports of a file, resolved to repository paths (`.js` specifiers map to `.ts` files). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? m[2] ?? '');
  return specs
    .filter((s) => s.startsWith('.'))
    .map((s) => relative(root, resolve(dirname(file), s.replace(/\.js$/, '.ts'))));
}

const files = [...sourceFiles(join(root, 'engine')), ...sourceFiles(join(root, 'console', 'web'))];
const graph = new Map(files.map((f) => [relative(root, f), importsOf(f)]));

describe('layering', () => {
  it('keeps engine/core free of io, cli, main and console', () => {
    const bad = [...graph].flatMap(([f, deps]) =>
      f.startsWith('engine/core/') ? deps.filter((d) => !d.startsWith('engine/core/')).map((d) => `${f} → ${d}`) : [],
    );
    expect(bad).toEqual([]);
  });

  it('keeps engine/io away from cli, main and console', () => {
    const bad = [...graph].flatMap(([f, deps]) =>
      f.startsWith('engine/io/') ? deps.filter((d) => !d.startsWith('engine/core/') && !d.startsWith('engine/io/')).map((d) => `${f} → ${d}`) : [],
    );
    expect(bad).toEqual([]);
  });

  it('lets console/web import only engine/core/protocol', () => {
    const bad = [...graph].flatMap(([f, deps]) =>
      f.startsWith('console/web/') ? deps.filter((d) => !d.startsWith('console/web/') && !d.startsWith('engine/core/protocol/')).map((d) => `${f} → ${d}`) : [],
    );
    expect(bad).toEqual([]);
  });

  it('has no import cycles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (node: string, stack: string[]): void => {
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'visiting') {
        cycles.push([...stack.slice(stack.indexOf(node)), node].join(' → '));
        return;
      }
      state.set(node, 'visiting');
      for (const dep of graph.get(node) ?? []) if (graph.has(dep)) visit(dep, [...stack, node]);
      state.set(node, 'done');
    };
    for (const node of graph.keys()) visit(node, []);
    expect(cycles).toEqual([]);
  });

  it('has no cycles between the folders of engine/core (arbiter, playback, model… each a layer)', () => {
    const folderOf = (f: string): string | undefined => (f.startsWith('engine/core/') && f.split('/').length > 3 ? f.split('/')[2] : undefined);
    const edges = new Map<string, Set<string>>();
    const why = new Map<string, string>();
    for (const [f, deps] of graph) {
      const from = folderOf(f);
      if (from === undefined) continue;
      for (const d of deps) {
        const to = folderOf(d);
        if (to === undefined || to === from) continue;
        if (!edges.has(from)) edges.set(from, new Set());
        edges.get(from)!.add(to);
        why.set(`${from}>${to}`, `${f} → ${d}`);
      }
    }
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (node: string, stack: string[]): void => {
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'visiting') {
        const loop = [...stack.slice(stack.indexOf(node)), node];
        cycles.push(loop.slice(1).map((to, i) => why.get(`${loop[i]!}>${to}`)).join('; '));
        return;
      }
      state.set(node, 'visiting');
      for (const dep of edges.get(node) ?? []) visit(dep, [...stack, node]);
      state.set(node, 'done');
    };
    for (const node of edges.keys()) visit(node, []);
    expect(cycles).toEqual([]);
  });
});
