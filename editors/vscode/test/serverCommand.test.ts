import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { expandPath, findOnPath, isFailure, resolveServerCommand, ServerCommand } from '../src/serverCommand';

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
      probe: async () => assert.fail('a configured path is not probed'),
    });
    assert.deepEqual(r, { command: entLs, args: ['serve', '--log-level', 'debug'], source: 'setting' });
  });

  test('a server.path that does not exist is an error naming the setting and the install command', async () => {
    const r = await resolveServerCommand({ serverPath: path.join(emptyDir, 'nope'), env: { PATH: binDir } });
    assert.ok(isFailure(r));
    assert.match(r.error, /entitlements\.server\.path/);
    assert.match(r.error, /pip install ent-ls/);
  });

  test('ent-ls on PATH comes next, with the default args', async () => {
    const r = await resolveServerCommand({
      env: { PATH: binDir },
      probe: async (cmd, args) => cmd === entLs && args[0] === '--version',
      pythonInterpreters: async () => assert.fail('python is not needed when ent-ls is on PATH'),
    });
    assert.deepEqual(r, { command: entLs, args: ['serve'], source: 'path' });
  });

  test('then python -m ent_ls with the first interpreter that has the module', async () => {
    const probed: string[] = [];
    const r = (await resolveServerCommand({
      env: { PATH: emptyDir },
      pythonInterpreters: async () => ['/venv/bin/python', '/usr/bin/python3', '/usr/bin/python3'],
      probe: async (cmd, args) => {
        probed.push(`${cmd} ${args.join(' ')}`);
        return cmd === '/usr/bin/python3';
      },
    })) as ServerCommand;
    assert.deepEqual(r, { command: '/usr/bin/python3', args: ['-m', 'ent_ls', 'serve'], source: 'python' });
    assert.deepEqual(probed, ['/venv/bin/python -m ent_ls --version', '/usr/bin/python3 -m ent_ls --version']);
  });

  test('nothing found: a clear error with the install command and what was tried', async () => {
    const r = await resolveServerCommand({
      env: { PATH: emptyDir },
      pythonInterpreters: async () => ['/usr/bin/python3'],
      probe: async () => false,
    });
    assert.ok(isFailure(r));
    assert.match(r.error, /pip install ent-ls/);
    assert.match(r.error, /pip install \/path\/to\//);
    assert.ok(r.tried.some((line) => line.includes('/usr/bin/python3 -m ent_ls')));
  });
});
