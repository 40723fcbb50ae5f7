/** Ignore rules: defaults, .cosignore syntax (negation, directories, anchors) and loading. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { IgnoreRules } from '../../core/sync/ignoreRules.ts';

const root = mkdtempSync(path.join(tmpdir(), 'cos-sync-ignore-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('IgnoreRules', () => {
  const cases: [string, boolean, boolean][] = [
    ['.DS_Store', false, true],
    ['photos/.DS_Store', false, true],
    ['Thumbs.db', false, true],
    ['desktop.ini', false, true],
    ['~$report.docx', false, true],
    ['a/b/file.tmp', false, true],
    ['.notes.swp', false, true],
    ['.git', true, true],
    ['sub/.git', true, true],
    ['.git/config', false, true],
    ['.git', false, false],
    ['node_modules', true, false],
    ['node_modules/x/index.js', false, false],
    ['.cos-sync-root', false, true],
    ['sub/.cos-sync-root', false, false],
    ['.cos-sync-journal.db-wal', false, true],
    ['report.docx', false, false],
    ['', true, false],
  ];
  const defaults = new IgnoreRules();
  for (const [p, isDirectory, expected] of cases) {
    test(`default: ${p || '(root)'}${isDirectory ? '/' : ''} → ${expected ? 'ignored' : 'kept'}`, () => assert.equal(defaults.ignores(p, isDirectory), expected));
  }

  test('answers stay the same over many thousands of paths (the matcher is compiled afresh as its cache grows)', () => {
    const rules = new IgnoreRules('build/\n!keep.tmp\n', ['*.bak']);
    for (let index = 0; index < 20_000; index++) {
      const directory = `d${index % 7}`;
      assert.equal(rules.ignores(`${directory}/f${index}.txt`, false), false);
      assert.equal(rules.ignores(`${directory}/f${index}.tmp`, false), true);
      assert.equal(rules.ignores(`${directory}/f${index}.bak`, false), true);
      assert.equal(rules.ignores(`${directory}/keep.tmp`, false), false);
      assert.equal(rules.ignores(`${directory}/build/f${index}.txt`, false), true);
    }
  });

  test('user rules: patterns, directories, anchors and negation of a default', () => {
    const rules = new IgnoreRules('# comment\n*.log\nbuild/\n/top.txt\n!keep.tmp\n');
    assert.equal(rules.ignores('x/y.log', false), true);
    assert.equal(rules.ignores('build', true), true);
    assert.equal(rules.ignores('build/out.o', false), true);
    assert.equal(rules.ignores('build', false), false);
    assert.equal(rules.ignores('top.txt', false), true);
    assert.equal(rules.ignores('sub/top.txt', false), false);
    assert.equal(rules.ignores('keep.tmp', false), false);
    assert.equal(rules.ignores('other.tmp', false), true);
  });

  test('load reads .cosignore and falls back to defaults when absent', async () => {
    assert.equal((await IgnoreRules.load(root)).rules.userText, '');
    writeFileSync(path.join(root, '.cosignore'), 'secret/\n');
    const { rules, error } = await IgnoreRules.load(root);
    assert.equal(error, undefined);
    assert.equal(rules.ignores('secret', true), true);
  });
  test('app-wide excludes apply next to the defaults, and .cosignore can re-include', () => {
    const rules = new IgnoreRules('!keep.log\n', ['*.log', 'cache/']);
    assert.equal(rules.ignores('debug.log', false), true);
    assert.equal(rules.ignores('cache', true), true);
    assert.equal(rules.ignores('keep.log', false), false);
    assert.equal(rules.ignores('.DS_Store', false), true);
  });
});
