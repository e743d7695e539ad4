// Checks the extension manifest, the language configuration and the TextMate grammar.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import * as oniguruma from 'vscode-oniguruma';
import * as vsctm from 'vscode-textmate';

const root = path.join(__dirname, '..', '..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

describe('package.json', () => {
  test('contributes the entitlements language with grammar and configuration', () => {
    const lang = manifest.contributes.languages.find((l: { id: string }) => l.id === 'entitlements');
    assert.ok(lang);
    assert.deepEqual(lang.extensions, ['.entitlements']);
    assert.ok(lang.filenamePatterns.includes('entitlements*.plist'));
    assert.ok(fs.existsSync(path.join(root, lang.configuration)));
    const grammar = manifest.contributes.grammars.find((g: { language: string }) => g.language === 'entitlements');
    assert.ok(fs.existsSync(path.join(root, grammar.path)));
    assert.ok(manifest.activationEvents.includes('onLanguage:entitlements'));
  });

  test('declares every setting and command the extension uses', () => {
    const props = Object.keys(manifest.contributes.configuration.properties);
    for (const key of [
      'entitlements.platform',
      'entitlements.severity',
      'entitlements.select',
      'entitlements.ignore',
      'entitlements.server.path',
      'entitlements.server.args',
      'entitlements.trace.server',
    ]) {
      assert.ok(props.includes(key), key);
    }
    const platform = manifest.contributes.configuration.properties['entitlements.platform'];
    assert.deepEqual(platform.enum, [null, 'macos', 'ios', 'ipados', 'tvos', 'watchos', 'visionos']);
    const commands = manifest.contributes.commands.map((c: { command: string; category: string; title: string }) => [
      c.command,
      `${c.category}: ${c.title}`,
    ]);
    assert.deepEqual(commands, [
      ['entitlements.restartServer', 'Entitlements: Restart Server'],
      ['entitlements.showOutput', 'Entitlements: Show Output'],
    ]);
    const source = fs.readFileSync(path.join(root, 'src', 'extension.ts'), 'utf8');
    for (const [command] of commands) {
      assert.ok(source.includes(`'${command}'`), `${command} is registered`);
    }
  });

  test('language configuration is valid JSON with XML comments', () => {
    const conf = JSON.parse(fs.readFileSync(path.join(root, 'language-configuration.json'), 'utf8'));
    assert.deepEqual(conf.comments.blockComment, ['<!--', '-->']);
    for (const rule of conf.onEnterRules) {
      new RegExp(rule.beforeText);
    }
    const inc = new RegExp(conf.indentationRules.increaseIndentPattern);
    const dec = new RegExp(conf.indentationRules.decreaseIndentPattern);
    assert.ok(inc.test('<dict>'));
    assert.ok(!inc.test('\t<key>a</key>'));
    assert.ok(!inc.test('\t<true/>'));
    assert.ok(dec.test('\t</dict>'));
  });
});

describe('extension bundle', () => {
  test('dist/extension.js loads and exports activate/deactivate', () => {
    // The `vscode` module only exists inside VS Code: stand in with an inert object graph.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Module = require('node:module') as { _load: (request: string, ...rest: unknown[]) => unknown };
    const inert = (name: string): unknown => {
      const target = function () {} as unknown as Record<string | symbol, unknown>;
      return new Proxy(target, {
        get: (t, p) => {
          if (p === 'then') {
            return undefined;
          }
          if (!(p in t)) {
            t[p] = inert(`${name}.${String(p)}`);
          }
          return t[p];
        },
        construct: () => inert(`new ${name}`) as object,
        apply: () => inert(`${name}()`),
      });
    };
    const original = Module._load;
    Module._load = function (request: string, ...rest: unknown[]) {
      return request === 'vscode' ? inert('vscode') : original.call(this, request, ...rest);
    };
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const ext = require(path.join(root, 'dist', 'extension.js'));
      assert.equal(typeof ext.activate, 'function');
      assert.equal(typeof ext.deactivate, 'function');
    } finally {
      Module._load = original;
    }
  });
});

describe('TextMate grammar', () => {
  async function tokenize(lines: string[]): Promise<Array<Array<{ text: string; scopes: string[] }>>> {
    const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    const registry = new vsctm.Registry({
      onigLib: Promise.resolve({
        createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
        createOnigString: (s: string) => new oniguruma.OnigString(s),
      }),
      loadGrammar: async (scopeName: string) => {
        if (scopeName !== 'text.xml.entitlements') {
          return null;
        }
        const file = path.join(root, 'syntaxes', 'entitlements.tmLanguage.json');
        return vsctm.parseRawGrammar(fs.readFileSync(file, 'utf8'), file);
      },
    });
    const grammar = await registry.loadGrammar('text.xml.entitlements');
    assert.ok(grammar);
    let state = vsctm.INITIAL;
    return lines.map((line) => {
      const r = grammar.tokenizeLine(line, state);
      state = r.ruleStack;
      return r.tokens.map((tok) => ({ text: line.slice(tok.startIndex, tok.endIndex), scopes: tok.scopes }));
    });
  }

  type Tokens = Array<Array<{ text: string; scopes: string[] }>>;
  /** Scopes of the first token equal to `text` on line `line` (0-based). */
  function scopesOf(tokens: Tokens, line: number, text: string): string[] {
    const tok = tokens[line].find((t) => t.text === text);
    if (!tok) {
      assert.fail(`no token ${JSON.stringify(text)} on line ${line}: ${JSON.stringify(tokens[line])}`);
    }
    return tok.scopes;
  }

  test('highlights an entitlements file', async () => {
    const tokens = await tokenize([
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
      '<plist version="1.0">',
      '<dict>',
      '\t<!-- sandbox',
      '\t     is required -->',
      '\t<key>com.apple.security.app-sandbox</key>',
      '\t<true/>',
      '\t<key>com.apple.developer.team-identifier</key>',
      '\t<string>ABCDE&amp;12345</string>',
      '\t<integer>42</integer>',
      '</dict>',
      '</plist>',
    ]);
    assert.ok(scopesOf(tokens, 2, 'plist').includes('entity.name.tag.xml'));
    assert.ok(scopesOf(tokens, 2, 'plist').includes('meta.tag.xml'));
    assert.ok(scopesOf(tokens, 1, 'plist').includes('variable.language.documentroot.xml'));
    assert.ok(scopesOf(tokens, 0, 'xml').includes('meta.tag.preprocessor.xml'));
    assert.ok(scopesOf(tokens, 0, 'version').includes('entity.other.attribute-name.xml'));
    assert.ok(scopesOf(tokens, 2, '1.0').includes('string.quoted.double.xml'));
    assert.ok(scopesOf(tokens, 1, 'DOCTYPE').includes('keyword.other.doctype.xml'));
    assert.ok(scopesOf(tokens, 5, '\t     is required ').includes('comment.block.xml'));
    assert.ok(scopesOf(tokens, 6, 'com.apple.security.app-sandbox').includes('support.type.property-name.entitlements'));
    assert.ok(scopesOf(tokens, 6, 'key').includes('entity.name.tag.xml'));
    assert.ok(scopesOf(tokens, 7, 'true').includes('constant.language.boolean.entitlements'));
    assert.ok(scopesOf(tokens, 9, 'ABCDE').includes('string.unquoted.entitlements'));
    assert.ok(scopesOf(tokens, 9, 'amp').includes('constant.character.entity.xml'));
    assert.ok(scopesOf(tokens, 10, '42').includes('constant.numeric.entitlements'));
    assert.ok(scopesOf(tokens, 11, 'dict').includes('entity.name.tag.xml'));
  });
});
