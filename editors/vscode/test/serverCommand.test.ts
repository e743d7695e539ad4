import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import {
  describeServer,
  expandPath,
  fallbackPythons,
  findOnPath,
  INSTALL_COMMAND,
  isFailure,
  NO_PYTHON_MESSAGE,
  resolveServerCommand,
  ServerCommand,
  usualInstallDirs,
} from '../src/serverCommand';

function fakeBin(dir: string, name: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, '#!/bin/sh\nexit 0\n');
  fs.chmodSync(file, 0o755);
  return file;
}

describe('server discovery', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ent-ls-find-'));
  const binDir = path.join(tmp, 'bin');
  const emptyDir = path.join(tmp, 'empty');
  fs.mkdirSync(binDir);
  fs.mkdirSync(emptyDir);
  const entLs = fakeBin(binDir, 'ent-ls');

  test('expands ~, ${workspaceFolder} and ${env:X}', () => {
    assert.equal(expandPath('~/x/ent-ls'), path.join(os.homedir(), 'x/ent-ls'));
    assert.equal(expandPath('${workspaceFolder}/.venv/bin/ent-ls', '/ws'), '/ws/.venv/bin/ent-ls');
    assert.equal(expandPath('${env:FOO}/ent-ls', undefined, { FOO: '/opt' }), '/opt/ent-ls');
  });

  test('findOnPath honours PATH and the executable bit', { skip: process.platform === 'win32' }, () => {
    assert.equal(findOnPath('ent-ls', { PATH: `${emptyDir}:${binDir}` }), entLs);
    assert.equal(findOnPath('ent-ls', { PATH: emptyDir }), undefined);
    const notExec = path.join(emptyDir, 'ent-ls');
    fs.writeFileSync(notExec, '');
    fs.chmodSync(notExec, 0o644);
    assert.equal(findOnPath('ent-ls', { PATH: emptyDir }), undefined);
    fs.rmSync(notExec);
  });

  test('the server.path setting wins and is used as given', async () => {
    const r = await resolveServerCommand({
      serverPath: entLs,
      serverArgs: ['serve', '--log-level', 'debug'],
      env: { PATH: '' },
      probe: async (cmd, args) => ({ ok: cmd === entLs && args.join(' ') === '--version', output: 'ent-ls 0.2.0' }),
    });
    assert.deepEqual(r, {
      command: entLs,
      args: ['serve', '--log-level', 'debug'],
      source: 'setting',
      version: 'ent-ls 0.2.0',
    });
    const failing = await resolveServerCommand({ serverPath: entLs, env: { PATH: '' }, probe: async () => ({ ok: false, output: 'usage' }) });
    assert.deepEqual(failing, { command: entLs, args: ['serve'], source: 'setting' }, 'used even when --version fails');
  });

  test('a server.path that does not exist is a plain-text error naming the setting', async () => {
    const r = await resolveServerCommand({ serverPath: path.join(emptyDir, 'nope'), env: { PATH: binDir } });
    assert.ok(isFailure(r));
    assert.match(r.error, /entitlements\.server\.path is set to ".*nope"/);
    assert.ok(!r.error.includes('`'), 'notifications do not render Markdown');
    assert.equal(r.offerInstall, false);
  });

  test('ent-ls on PATH comes next, with the default args and its version', async () => {
    const r = await resolveServerCommand({
      env: { PATH: binDir },
      homedir: emptyDir,
      probe: async (cmd, args) => ({ ok: cmd === entLs && args[0] === '--version', output: 'ent-ls 9.9.9' }),
      bundledLauncher: '/ext/launcher/ent_ls_launcher.py',
      pythonInterpreters: async () => assert.fail('python is not needed when ent-ls is on PATH'),
    });
    assert.deepEqual(r, { command: entLs, args: ['serve'], source: 'path', version: 'ent-ls 9.9.9' });
    assert.equal(
      describeServer(r as ServerCommand),
      `Using ent-ls 9.9.9 found on PATH: ${entLs} serve`,
    );
  });

  test('relative PATH entries are never searched (they would point into the opened folder)', () => {
    const cwd = process.cwd();
    process.chdir(tmp);
    try {
      assert.equal(findOnPath('ent-ls', { PATH: 'bin' }), undefined);
      assert.equal(findOnPath('ent-ls', { PATH: `.:bin:${binDir}` }), entLs);
    } finally {
      process.chdir(cwd);
    }
  });

  test('the usual install folders are searched when PATH lacks ent-ls', async () => {
    const home = path.join(tmp, 'home');
    fs.mkdirSync(path.join(home, '.local', 'bin'), { recursive: true });
    const local = fakeBin(path.join(home, '.local', 'bin'), 'ent-ls');
    assert.deepEqual(usualInstallDirs({}, 'darwin', '/Users/a'), [
      '/Users/a/.local/bin',
      '/opt/homebrew/bin',
      '/usr/local/bin',
    ]);
    assert.ok(usualInstallDirs({ PIPX_BIN_DIR: '/pipx' }, 'linux', '/h').includes('/pipx'));
    const r = await resolveServerCommand({
      env: { PATH: emptyDir },
      homedir: home,
      probe: async (cmd) => ({ ok: cmd === local, output: 'ent-ls 0.1.0' }),
    });
    assert.deepEqual(r, { command: local, args: ['serve'], source: 'path', version: 'ent-ls 0.1.0' });
  });

  test('then the bundled copy, run isolated by the first interpreter that can run it', async () => {
    const probed: string[] = [];
    const launcher = '/ext/launcher/ent_ls_launcher.py';
    const r = (await resolveServerCommand({
      env: { PATH: emptyDir },
      homedir: emptyDir,
      bundledLauncher: launcher,
      clientProcessId: 4242,
      pythonInterpreters: async () => ['/venv/bin/python', '/usr/bin/python3'],
      probe: async (cmd, args) => {
        probed.push(`${cmd} ${args.join(' ')}`);
        return cmd === '/usr/bin/python3'
          ? { ok: true, output: 'ent-ls 0.1.0' }
          : { ok: false, output: 'ent-ls needs Python 3.9 or newer' };
      },
    })) as ServerCommand;
    assert.deepEqual(r, {
      command: '/usr/bin/python3',
      args: ['-I', launcher, 'serve', '--clientProcessId=4242'],
      source: 'bundled',
      version: 'ent-ls 0.1.0',
    });
    // /usr/bin/python3 is asked once although it is also a fallback
    assert.deepEqual(probed, [`/venv/bin/python -I ${launcher} --version`, `/usr/bin/python3 -I ${launcher} --version`]);
    assert.match(describeServer(r), /^Using ent-ls 0\.1\.0 bundled with the extension: \/usr\/bin\/python3 -I /);
  });

  test('fallback interpreters: python3 on PATH, then Xcode and Homebrew locations', () => {
    const py = fakeBin(binDir, 'python3');
    try {
      assert.deepEqual(fallbackPythons({ PATH: binDir }, 'darwin'), [
        py,
        '/usr/bin/python3',
        '/opt/homebrew/bin/python3',
        '/usr/local/bin/python3',
      ]);
    } finally {
      fs.rmSync(py);
    }
  });

  test('Restricted Mode: no PATH lookup, no Python extension, the bundled copy', async () => {
    const r = (await resolveServerCommand({
      env: { PATH: binDir },
      restricted: true,
      bundledLauncher: '/ext/launcher/ent_ls_launcher.py',
      pythonInterpreters: async () => assert.fail('the Python extension is not asked in Restricted Mode'),
      probe: async (cmd) => ({ ok: cmd === '/usr/bin/python3', output: 'ent-ls 0.1.0' }),
    })) as ServerCommand;
    assert.equal(r.source, 'bundled');
    assert.equal(r.command, '/usr/bin/python3');
  });

  test('nothing found: plain text, the checkout install command, and what was tried', async () => {
    const r = await resolveServerCommand({
      env: { PATH: emptyDir },
      homedir: emptyDir,
      bundledLauncher: '/ext/launcher/ent_ls_launcher.py',
      probe: async () => ({ ok: false, output: '' }),
    });
    assert.ok(isFailure(r));
    assert.equal(r.error, NO_PYTHON_MESSAGE);
    assert.ok(r.offerInstall);
    assert.ok(!r.error.includes('`'), 'notifications do not render Markdown');
    assert.ok(r.error.includes(INSTALL_COMMAND));
    assert.ok(!/pip install ent-ls/.test(r.error + INSTALL_COMMAND), 'ent-ls is not on PyPI');
    assert.ok(r.tried.some((line) => line.startsWith('/usr/bin/python3 ')));
  });
});
