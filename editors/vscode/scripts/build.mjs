// Builds the extension bundle (dist/extension.js) or, with --tests, the node test files (out/test/).
import * as esbuild from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const production = process.argv.includes('--production');
const tests = process.argv.includes('--tests');

if (tests) {
  rmSync(join(root, 'out'), { recursive: true, force: true });
  const entryPoints = readdirSync(join(root, 'test'))
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => join(root, 'test', f));
  await esbuild.build({
    absWorkingDir: root,
    entryPoints,
    outdir: join(root, 'out', 'test'),
    bundle: true,
    packages: 'external', // dependencies are loaded from node_modules at run time
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'warning',
  });
} else {
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: [join(root, 'src', 'extension.ts')],
    outfile: join(root, 'dist', 'extension.js'),
    bundle: true,
    external: ['vscode'],
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    minify: production,
    sourcemap: !production,
    logLevel: 'warning',
  });
}
