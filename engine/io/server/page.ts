/**
 * The console page, built in memory at start: `console/web/main.ts` bundled by esbuild's JS API,
 * and `venues.ts` (one console over several engines) plus `index.html`, `venues.html` and
 * `console.css` read as they are. Nothing is written to disk — except by
 * `npm run build`, which bundles the page once into dist/console/web/ (`writeConsolePage`), where
 * the compiled engine finds it ready (`app.js` beside `index.html`) and starts without esbuild.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type * as Esbuild from 'esbuild';
import { DeviceError } from '../../core/errors.js';

/** One file the server sends. */
export interface PageAsset {
  readonly contentType: string;
  readonly body: Buffer;
  /** The body gzip-compressed, sent to clients that accept it. */
  readonly gzip: Buffer;
}

/** The page's files by URL path (`/`, `/app.js`, `/console.css`; `/venues.html`, `/venues.js`: one console over several engines). */
export type PageAssets = ReadonlyMap<string, PageAsset>;

/** The `console/web` folder of this checkout (of dist/ when running the built engine). */
export const defaultWebRoot = fileURLToPath(new URL('../../../console/web/', import.meta.url));

/** The bundled page scripts of a prebuilt web root. */
const PREBUILT_SCRIPT = 'app.js';
const PREBUILT_VENUES_SCRIPT = 'venues.js';

/**
 * Bundles (or, from a prebuilt root, reads) and reads the console page. Fails with a DeviceError
 * naming the file when the build fails.
 */
export async function buildConsolePage(webRoot: string = defaultWebRoot, options: { minify?: boolean } = {}): Promise<PageAssets> {
  const { app: js, venues: venuesJs } = existsSync(join(webRoot, 'main.ts'))
    ? await bundleScripts(webRoot, options)
    : { app: await readFile(join(webRoot, PREBUILT_SCRIPT)), venues: await readFile(join(webRoot, PREBUILT_VENUES_SCRIPT)) };
  const [html, css, venuesHtml] = await Promise.all([readFile(join(webRoot, 'index.html')), readFile(join(webRoot, 'console.css')), readFile(join(webRoot, 'venues.html'))]);
  const asset = (contentType: string, body: Buffer): PageAsset => ({ contentType, body, gzip: gzipSync(body, { level: 9 }) });
  const page = asset('text/html; charset=utf-8', html);
  return new Map<string, PageAsset>([
    ['/', page],
    ['/index.html', page],
    ['/app.js', asset('text/javascript; charset=utf-8', js)],
    ['/console.css', asset('text/css; charset=utf-8', css)],
    ['/venues.html', asset('text/html; charset=utf-8', venuesHtml)],
    ['/venues.js', asset('text/javascript; charset=utf-8', venuesJs)],
  ]);
}

/** Bundles the page from `webRoot` into `outDir` as a prebuilt root (`npm run build`). */
export async function writeConsolePage(webRoot: string, outDir: string): Promise<void> {
  const page = await buildConsolePage(webRoot);
  await mkdir(outDir, { recursive: true });
  await Promise.all([
    writeFile(join(outDir, PREBUILT_SCRIPT), page.get('/app.js')!.body),
    writeFile(join(outDir, 'index.html'), page.get('/')!.body),
    writeFile(join(outDir, 'console.css'), page.get('/console.css')!.body),
    writeFile(join(outDir, PREBUILT_VENUES_SCRIPT), page.get('/venues.js')!.body),
    writeFile(join(outDir, 'venues.html'), page.get('/venues.html')!.body),
  ]);
}

async function bundleScripts(webRoot: string, options: { minify?: boolean }): Promise<{ app: Buffer; venues: Buffer }> {
  // esbuild loads only when bundling from source, and from the project the page comes from: the
  // build (bin/build.js --out) runs this module from a staging folder with no node_modules of its own.
  const esbuildPath = createRequire(join(webRoot, 'package.json')).resolve('esbuild');
  const { build } = (await import(pathToFileURL(esbuildPath).href)) as typeof Esbuild;
  try {
    const result = await build({
      entryPoints: { app: join(webRoot, 'main.ts'), venues: join(webRoot, 'venues.ts') },
      outdir: 'bundle',
      bundle: true,
      write: false,
      format: 'iife',
      platform: 'browser',
      target: ['chrome109', 'firefox115', 'safari16'],
      minify: options.minify ?? true,
      legalComments: 'none',
      logLevel: 'silent',
    });
    const out = (name: string): Buffer => {
      const file = result.outputFiles.find((f) => f.path.endsWith(`/${name}.js`));
      if (file === undefined) throw new Error(`esbuild produced no ${name}.js`);
      return Buffer.from(file.contents);
    };
    return { app: out('app'), venues: out('venues') };
  } catch (err) {
    throw new DeviceError('console page', `cannot bundle ${join(webRoot, 'main.ts')} and venues.ts: ${err instanceof Error ? err.message : String(err)}`, 'run the typecheck to find the error', { cause: err });
  }
}
