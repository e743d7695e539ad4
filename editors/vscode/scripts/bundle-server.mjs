// Fills bundled/ with ent-ls (built from this checkout) and its pure-Python dependencies from
// PyPI (the pins in bundle-requirements.txt), so the .vsix runs the server with any Python 3.9+
// and no install step. The backports older Pythons need (tomli, exceptiongroup) are included;
// newer Pythons ignore them.
// ENT_LS_PYTHON picks the Python that runs pip (default python3).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const checkout = join(root, '..', '..');
const bundled = join(root, 'bundled');
const python = process.env.ENT_LS_PYTHON || 'python3';

function pip(...args) {
  execFileSync(python, ['-m', 'pip', '--disable-pip-version-check', '-q', ...args], { stdio: 'inherit' });
}

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      walk(p, out);
    } else {
      out.push(p);
    }
  }
  return out;
}

rmSync(bundled, { recursive: true, force: true });
const wheels = mkdtempSync(join(tmpdir(), 'ent-ls-wheel-'));
try {
  pip('wheel', '--no-deps', '--wheel-dir', wheels, checkout);
  const wheel = readdirSync(wheels).find((f) => f.startsWith('ent_ls-') && f.endsWith('.whl'));
  if (!wheel) {
    throw new Error(`pip wheel left no ent_ls wheel in ${wheels}`);
  }
  pip('install', '--target', bundled, '--no-compile', '--no-deps', join(wheels, wheel));
  pip(
    'install', '--target', bundled, '--no-compile', '--no-deps', '--only-binary=:all:',
    // pure wheels only (tomli also ships compiled ones): any platform, no ABI
    '--python-version', '3.9', '--implementation', 'py', '--abi', 'none', '--platform', 'any',
    '--requirement', join(root, 'bundle-requirements.txt'),
  );
} finally {
  rmSync(wheels, { recursive: true, force: true });
}

// Console scripts carry this machine's interpreter path: useless elsewhere.
rmSync(join(bundled, 'bin'), { recursive: true, force: true });
// Keep code, data, each package's METADATA and licence; drop type stubs and pip's bookkeeping
// (direct_url.json would also record this machine's checkout path).
const keep = (rel) =>
  /\.dist-info\/(METADATA$|licenses\/)/.test(rel) || (!rel.includes('.dist-info/') && /\.(py|json)$/.test(rel));
for (const f of walk(bundled)) {
  if (!keep(relative(bundled, f).split('\\').join('/'))) {
    rmSync(f);
  }
}
const files = walk(bundled);
const native = files.filter((f) => /\.(so|pyd|dylib|dll)$/.test(f));
if (native.length > 0) {
  throw new Error(`bundled/ must stay pure Python, found: ${native.map((f) => relative(root, f)).join(', ')}`);
}
const packages = readdirSync(bundled).filter((n) => n.endsWith('.dist-info')).map((n) => n.replace(/\.dist-info$/, ''));
const bytes = files.reduce((sum, f) => sum + statSync(f).size, 0);
console.log(`bundled/: ${packages.sort().join(', ')} (${files.length} files, ${(bytes / 1024).toFixed(0)} KiB)`);
