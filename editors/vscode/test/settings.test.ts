import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closingTagFor } from '../src/autoCloseTag';
import { buildServerSettings, ConfigLike } from '../src/settings';

function config(values: Record<string, unknown>): ConfigLike {
  return { get: <T>(key: string) => values[key] as T | undefined };
}

test('defaults map to the server defaults', () => {
  assert.deepEqual(buildServerSettings(config({ platform: null, severity: {}, select: null, ignore: [] })), {
    platform: null,
    severity: {},
    select: null,
    ignore: [],
  });
  assert.deepEqual(buildServerSettings(config({})), { platform: null, severity: {}, select: null, ignore: [] });
});

test('values are passed through and junk is dropped', () => {
  const s = buildServerSettings(
    config({
      platform: 'ios',
      severity: { 'unsigned-executable-memory': 'error', 'other-rule': 'loud', third: 'off' },
      select: ['a', 'b', 3],
      ignore: ['c', ''],
      server: { path: '/x' },
    }),
  );
  assert.deepEqual(s, {
    platform: 'ios',
    severity: { 'unsigned-executable-memory': 'error', third: 'off' },
    select: ['a', 'b'],
    ignore: ['c'],
  });
  assert.equal(buildServerSettings(config({ platform: 'amigaos' })).platform, null);
  assert.equal(buildServerSettings(config({ select: [] })).select, null);
});

test('auto-closing tags', () => {
  assert.equal(closingTagFor('\t<dict>', ''), '</dict>');
  assert.equal(closingTagFor('<plist version="1.0">', ''), '</plist>');
  assert.equal(closingTagFor('\t<key>', '</key>'), undefined, 'already closed');
  assert.equal(closingTagFor('\t<true/>', ''), undefined, 'self-closing');
  assert.equal(closingTagFor('</dict>', ''), undefined, 'closing tag');
  assert.equal(closingTagFor('<?xml version="1.0"?>', ''), undefined, 'declaration');
  assert.equal(closingTagFor('<!-- <key>', ''), undefined, 'inside a comment');
  assert.equal(closingTagFor('<!DOCTYPE plist>', ''), undefined, 'doctype');
  assert.equal(closingTagFor('<string>a > b', ''), undefined, 'text, not a tag');
});
