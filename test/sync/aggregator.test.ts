/** Aggregator tests with manual timers: coalescing, debounce, hot-file delay, flood and overflow → rescan. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type AggregatedBatch, Aggregator, coalesce } from '../../core/sync/aggregator.ts';
import { manualTimers } from './manualTimers.ts';

function setup(options: { floodThreshold?: number; stats?: Map<string, { size: number; mtimeMs: number }> } = {}) {
  const timers = manualTimers();
  const batches: AggregatedBatch[] = [];
  const aggregator = new Aggregator({
    debounceMs: 300,
    hotFileDelayMs: 1000,
    maxDelayMs: 10_000,
    floodThreshold: options.floodThreshold ?? 2000,
    clock: timers.clock,
    timers,
    ...(options.stats ? { stat: async (p: string) => options.stats!.get(p) } : {}),
    onBatch: (batch) => batches.push(batch),
  });
  return { timers, batches, aggregator };
}

describe('coalesce', () => {
  const table: [Parameters<typeof coalesce>[0], Parameters<typeof coalesce>[1], ReturnType<typeof coalesce>][] = [
    ['add', 'unlink', undefined],
    ['addDir', 'unlinkDir', undefined],
    ['unlink', 'add', 'change'],
    ['unlink', 'change', 'change'],
    ['add', 'change', 'add'],
    ['change', 'change', 'change'],
    ['change', 'unlink', 'unlink'],
    ['unlinkDir', 'addDir', 'addDir'],
  ];
  for (const [previous, next, expected] of table) test(`${previous} + ${next} → ${expected ?? 'nothing'}`, () => assert.equal(coalesce(previous, next), expected));
});

describe('Aggregator', () => {
  test('debounces: a batch only after 300 ms of quiet per path', async () => {
    const { timers, batches, aggregator } = setup();
    aggregator.push('add', 'a');
    await timers.advance(200);
    aggregator.push('change', 'a');
    aggregator.push('add', 'b');
    await timers.advance(200);
    assert.deepEqual(batches, []);
    await timers.advance(100);
    assert.deepEqual(batches, [{ type: 'paths', paths: ['a', 'b'] }]);
    assert.equal(aggregator.pendingCount, 0);
    aggregator.close();
    assert.equal(timers.pending(), 0);
  });

  test('add then unlink cancels; unlink then add is handed on as one change', async () => {
    const { timers, batches, aggregator } = setup();
    aggregator.push('add', 'temp');
    aggregator.push('unlink', 'temp');
    aggregator.push('unlink', 'saved');
    aggregator.push('add', 'saved');
    await timers.advance(1000);
    assert.deepEqual(batches, [{ type: 'paths', paths: ['saved'] }]);
    aggregator.close();
  });

  test('removals wait longer than additions, so a move is usually seen new-path first', async () => {
    const { timers, batches, aggregator } = setup();
    aggregator.push('unlink', 'old');
    aggregator.push('add', 'new');
    await timers.advance(300);
    assert.deepEqual(batches, [{ type: 'paths', paths: ['new'] }]);
    await timers.advance(999);
    assert.equal(batches.length, 1);
    await timers.advance(1);
    assert.deepEqual(batches[1], { type: 'paths', paths: ['old'] });
    aggregator.close();
  });

  test('a file just saved is handed on as soon as the debounce ends (no hold for a fresh mtime)', async () => {
    const stats = new Map<string, { size: number; mtimeMs: number }>();
    const { timers, batches, aggregator } = setup({ stats });
    stats.set('saved', { size: 1, mtimeMs: timers.clock.now() });
    aggregator.push('change', 'saved');
    await timers.advance(299);
    assert.equal(batches.length, 0);
    await timers.advance(1);
    assert.deepEqual(batches, [{ type: 'paths', paths: ['saved'] }]);
    aggregator.close();
  });

  test('hot files (changed during their upload) wait until size and mtime hold still', async () => {
    const stats = new Map<string, { size: number; mtimeMs: number }>();
    const { timers, batches, aggregator } = setup({ stats });
    stats.set('growing', { size: 1, mtimeMs: timers.clock.now() });
    stats.set('old', { size: 1, mtimeMs: timers.clock.now() - 60_000 });
    aggregator.pushHot('growing');
    aggregator.push('change', 'old');
    await timers.advance(300);
    assert.deepEqual(batches, [{ type: 'paths', paths: ['old'] }]);
    stats.set('growing', { size: 2, mtimeMs: timers.clock.now() });
    await timers.advance(1000);
    assert.equal(batches.length, 1, 'still growing');
    await timers.advance(1000);
    assert.deepEqual(batches[1], { type: 'paths', paths: ['growing'] });
    aggregator.close();
  });

  test('a path that never settles is handed on after maxDelayMs', async () => {
    const { timers, batches, aggregator } = setup();
    for (let i = 0; i < 60; i++) {
      aggregator.push('change', 'log');
      await timers.advance(200);
    }
    assert.deepEqual(batches, [{ type: 'paths', paths: ['log'] }]);
    aggregator.close();
  });

  test('a flood of paths becomes one full rescan', async () => {
    const { timers, batches, aggregator } = setup({ floodThreshold: 10 });
    for (let i = 0; i < 11; i++) aggregator.push('add', `f${i}`);
    assert.deepEqual(batches, [{ type: 'rescan', reason: 'more than 10 changed paths' }]);
    assert.equal(aggregator.pendingCount, 0);
    await timers.advance(1000);
    assert.equal(batches.length, 1);
    aggregator.close();
  });

  test('overflow drops pending paths and asks for a rescan', async () => {
    const { timers, batches, aggregator } = setup();
    aggregator.push('add', 'a');
    aggregator.overflow('watcher error');
    await timers.advance(1000);
    assert.deepEqual(batches, [{ type: 'rescan', reason: 'watcher error' }]);
    aggregator.close();
  });

  test('close cancels everything', async () => {
    const { timers, batches, aggregator } = setup();
    aggregator.push('add', 'a');
    aggregator.close();
    aggregator.push('add', 'b');
    await timers.advance(1000);
    assert.deepEqual(batches, []);
    assert.equal(timers.pending(), 0);
  });
});
