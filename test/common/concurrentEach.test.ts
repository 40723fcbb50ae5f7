/** concurrentEach keeps at most N calls in flight and stops on the first error; PauseGate holds workers between items. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { concurrentEach } from '../../core/common/concurrentEach.ts';
import { PauseGate } from '../../core/common/pauseGate.ts';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('never more than N calls in flight; every item of an async iterable is handled once', async () => {
  let inFlight = 0;
  let peak = 0;
  const seen: number[] = [];
  async function* items(): AsyncGenerator<number> {
    for (let index = 0; index < 50; index++) yield index;
  }
  await concurrentEach(items(), 4, async (item) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await tick();
    seen.push(item);
    inFlight--;
  });
  assert.equal(peak, 4);
  assert.deepEqual(seen.toSorted((a, b) => a - b), Array.from({ length: 50 }, (_, index) => index));
});

test('the first error rejects, no new items start after it, and the iterable is closed', async () => {
  let started = 0;
  let closed = false;
  async function* items(): AsyncGenerator<number> {
    try {
      for (let index = 0; index < 100; index++) yield index;
    } finally {
      closed = true;
    }
  }
  await assert.rejects(concurrentEach(items(), 3, async (item) => {
    started++;
    await tick();
    if (item === 5) throw new Error('boom');
  }), /boom/);
  assert.ok(started < 12, `started ${started}`);
  assert.equal(closed, true);
});

test('an aborted signal stops the work with its reason', async () => {
  const controller = new AbortController();
  let handled = 0;
  await assert.rejects(concurrentEach([1, 2, 3, 4, 5, 6], 1, async () => {
    handled++;
    if (handled === 2) controller.abort(new Error('stop now'));
  }, controller.signal), /stop now/);
  assert.equal(handled, 2);
});

test('a paused gate holds the next item until resumed, and an abort while paused rejects', async () => {
  const gate = new PauseGate();
  const handled: number[] = [];
  gate.pause();
  const run = concurrentEach([1, 2], 1, async (item) => {
    await gate.wait();
    handled.push(item);
  });
  for (let index = 0; index < 5; index++) await tick();
  assert.deepEqual(handled, [], 'nothing runs while paused');
  gate.resume();
  await run;
  assert.deepEqual(handled, [1, 2]);

  const controller = new AbortController();
  gate.pause();
  const waiting = gate.wait(controller.signal);
  controller.abort(new Error('cancelled while paused'));
  await assert.rejects(waiting, /cancelled while paused/);
});
