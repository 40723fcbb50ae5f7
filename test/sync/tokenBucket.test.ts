/** Token bucket (bandwidth limit) and sliding-window rate meter, with a fixed clock. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fixedClock } from '../../core/common/clock.ts';
import { RateMeter } from '../../core/sync/rateMeter.ts';
import { TokenBucket } from '../../core/sync/tokenBucket.ts';
import { createHarness } from './syncHarness.ts';

describe('TokenBucket', () => {
  test('unlimited never waits', async () => {
    const bucket = new TokenBucket({ bytesPerSecond: 0 });
    bucket.consume(1e12);
    assert.equal(bucket.waitMs(), 0);
    await bucket.settle();
  });

  test('debt is paid at the configured rate', async () => {
    const clock = fixedClock(0);
    const slept: number[] = [];
    const bucket = new TokenBucket({ bytesPerSecond: 1000, clock, sleep: async (ms) => void (slept.push(ms), clock.advance(ms)) });
    bucket.consume(1000); // the initial burst
    assert.equal(bucket.waitMs(), 0);
    bucket.consume(2500);
    assert.equal(bucket.waitMs(), 2500);
    await bucket.settle();
    assert.deepEqual(slept, [2500]);
    assert.equal(clock.now(), 2500);
    clock.advance(10_000);
    bucket.consume(1500); // the burst is capped at one second's worth
    assert.equal(bucket.waitMs(), 500);
  });

  test('rate changes keep the debt and settle rejects on abort', async () => {
    const clock = fixedClock(0);
    const bucket = new TokenBucket({ bytesPerSecond: 100, clock });
    bucket.consume(300);
    bucket.setRate(200);
    assert.equal(bucket.waitMs(), 1000);
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await assert.rejects(bucket.settle(controller.signal), /stop/);
    bucket.setRate(0);
    assert.equal(bucket.waitMs(), 0);
  });

  test('a shared limit slows a real sync down', async () => {
    const files = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`f${i}.bin`, Buffer.alloc(10_000, i)]));
    const h = await createHarness({ files, manager: { bandwidthLimit: 20_000 }, start: false });
    try {
      const started = Date.now();
      await h.manager.start();
      await h.manager.whenIdle();
      assert.equal(h.store.objects.size, 6);
      // 60 kB at 20 kB/s with a 20 kB burst: at least ~1 s even with files in flight together.
      assert.ok(Date.now() - started >= 900, `took ${Date.now() - started} ms`);
    } finally {
      await h.close();
    }
  });
});

describe('RateMeter', () => {
  test('averages over the sliding window', () => {
    const clock = fixedClock(0);
    const meter = new RateMeter({ windowMs: 10_000, clock });
    assert.equal(meter.rate(), 0);
    meter.record(5000);
    assert.equal(meter.rate(), 5000, 'at least one second of span');
    clock.advance(2000);
    meter.record(5000);
    assert.equal(meter.rate(), 5000);
    clock.advance(9000);
    assert.equal(meter.rate(), 500, 'the first sample left the window');
    clock.advance(2000);
    assert.equal(meter.rate(), 0);
  });
});
