// End-to-end: starts the real `ent-ls serve` over stdio and drives it like VS Code would.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { before, describe, test } from 'node:test';
import { CodeAction, Command, DiagnosticSeverity } from 'vscode-languageserver-protocol/node';
import { isFailure, resolveServerCommand } from '../src/serverCommand';
import { applyTextEdits, editsFor, TestClient, textInRange } from './lspHarness';

const KEY = 'com.apple.security.cs.allow-unsigned-executable-memory';
const JIT = 'com.apple.security.cs.allow-jit';
const FIX_TITLE = `Switch to ${JIT}`;

const SOURCE = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
\t<key>com.apple.security.app-sandbox</key>
\t<true/>
\t<key>${KEY}</key>
\t<true/>
</dict>
</plist>
`;

const SETTINGS = { platform: 'macos', severity: {}, select: null, ignore: [] };

/** The server command: ENT_LS_SERVER_CMD (a JSON array) or the same lookup the extension does. */
async function serverCommand(): Promise<string[] | undefined> {
  const fromEnv = process.env.ENT_LS_SERVER_CMD;
  if (fromEnv) {
    const parsed: unknown = JSON.parse(fromEnv);
    assert.ok(Array.isArray(parsed) && parsed.length > 0, 'ENT_LS_SERVER_CMD must be a JSON array of strings');
    return parsed as string[];
  }
  const launcher = path.join(__dirname, '..', '..', 'launcher', 'ent_ls_launcher.py');
  const bundled = fs.existsSync(path.join(__dirname, '..', '..', 'bundled', 'ent_ls'));
  const resolved = await resolveServerCommand({ bundledLauncher: bundled ? launcher : undefined });
  return isFailure(resolved) ? undefined : [resolved.command, ...resolved.args];
}

function isCodeAction(a: Command | CodeAction): a is CodeAction {
  return typeof (a as CodeAction).command !== 'string';
}

describe('ent-ls serve over stdio', () => {
  let command: string[] | undefined;
  let workdir: string;

  before(async () => {
    command = await serverCommand();
    workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ent-ls-vscode-'));
  });

  for (const resolveEdits of [true, false]) {
    const label = resolveEdits ? 'with codeAction/resolve' : 'without resolve support';

    test(`warns about allow-unsigned-executable-memory and fixes it to allow-jit (${label})`, async (t) => {
      if (!command) {
        if (process.env.ENT_LS_REQUIRE_EDITORS === '1') {
          assert.fail('ent-ls was not found (set ENT_LS_SERVER_CMD or install ent-ls)');
        }
        t.skip('ent-ls not found: set ENT_LS_SERVER_CMD or install ent-ls from a checkout (python3 -m pip install .)');
        return;
      }
      const file = path.join(workdir, resolveEdits ? 'App.entitlements' : 'Entitlements.plist');
      fs.writeFileSync(file, SOURCE);
      const uri = pathToFileURL(file).toString();
      const client = new TestClient(command, SETTINGS);
      let passed = false;
      try {
        const init = await client.initialize(resolveEdits, pathToFileURL(workdir).toString());
        assert.ok(init.capabilities.codeActionProvider, 'server advertises code actions');

        await client.open(uri, SOURCE);
        const diagnostics = await client.waitForDiagnostics(
          uri,
          (ds) => ds.some((d) => d.code === 'unsigned-executable-memory'),
          'the unsigned-executable-memory warning',
        );
        const warning = diagnostics.find((d) => d.code === 'unsigned-executable-memory')!;
        assert.equal(warning.source, 'ent-ls');
        assert.equal(warning.severity, DiagnosticSeverity.Warning);
        assert.equal(textInRange(SOURCE, warning), KEY, 'the range covers exactly the key text');

        const actions = await client.codeActions(uri, warning);
        const titles = actions.map((a) => a.title);
        const fix = actions.filter(isCodeAction).find((a) => a.title === FIX_TITLE);
        assert.ok(fix, `expected a "${FIX_TITLE}" action, got ${JSON.stringify(titles)}`);
        assert.equal(fix.kind, 'quickfix');
        assert.equal(fix.isPreferred, true);
        assert.ok(
          titles.some((title) => title.startsWith('Remove')),
          `expected a "Remove ..." action too, got ${JSON.stringify(titles)}`,
        );

        let resolved = fix;
        if (!fix.edit) {
          assert.ok(resolveEdits, 'without resolveSupport the action must carry its edit');
          resolved = await client.resolve(fix);
        }
        assert.ok(resolved.edit, 'the fix has a workspace edit');
        const edits = editsFor(resolved.edit, uri);
        assert.ok(edits.length > 0, 'the fix edits the open document');
        const fixed = applyTextEdits(SOURCE, edits);
        assert.equal(fixed, SOURCE.replace(KEY, JIT));

        await client.change(uri, fixed, 2);
        await client.waitForDiagnostics(
          uri,
          (ds) => !ds.some((d) => d.code === 'unsigned-executable-memory'),
          'the warning to go away after the fix',
        );
        passed = true;
      } finally {
        // A clean shutdown is part of the test, but must not hide an earlier failure.
        await client.shutdown().catch((e) => {
          if (passed) {
            throw e;
          }
        });
      }
    });
  }
});
