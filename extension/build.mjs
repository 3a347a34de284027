// Bundles the extension (Node, CommonJS, `vscode` left to the host), the widget's script (for
// the browser) into dist/, and the extension-host test suite into extension/out/ (not shipped).
// `--production` minifies.
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const dist = join(root, 'dist');
const production = process.argv.includes('--production');
const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning', target: 'es2022' };

await mkdir(dist, { recursive: true });
await Promise.all([
  build({
    ...common,
    entryPoints: [join(here, 'src/extension.ts')],
    outfile: join(dist, 'extension.js'),
    platform: 'node',
    format: 'cjs',
    external: ['vscode'],
  }),
  build({
    ...common,
    entryPoints: [join(here, 'webview/main.ts')],
    outfile: join(dist, 'webview.js'),
    platform: 'browser',
    format: 'iife',
  }),
  build({
    ...common,
    entryPoints: [join(here, 'test/vscode/suite.ts')],
    outfile: join(here, 'out/test/index.js'),
    platform: 'node',
    format: 'cjs',
    external: ['vscode'],
  }),
  copyFile(join(here, 'webview/widget.css'), join(dist, 'widget.css')),
]);
