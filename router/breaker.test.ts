import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CircuitBreaker } from './breaker.ts';

function manualClock() {
  let t = 0;
  return { now: () => t, monotonic: () => t, advance: (ms: number) => void (t += ms) };
}

test('opens after the threshold of consecutive failures, not before', () => {
  const clock = manualClock();
  const breaker = new CircuitBreaker({ failure_threshold: 3, cooldown_ms: 1000 }, clock);
  breaker.recordFailure();
  breaker.recordFailure();
  assert.equal(breaker.state, 'closed');
  breaker.recordSuccess();
  breaker.recordFailure();
  breaker.recordFailure();
  assert.equal(breaker.state, 'closed', 'a success resets the count');
  breaker.recordFailure();
  assert.equal(breaker.state, 'open');
  assert.equal(breaker.tryAcquire(), false);
});

test('after the cool-down exactly one probe goes through; success closes', () => {
  const clock = manualClock();
  const breaker = new CircuitBreaker({ failure_threshold: 1, cooldown_ms: 1000 }, clock);
  breaker.recordFailure();
  clock.advance(999);
  assert.equal(breaker.tryAcquire(), false);
  clock.advance(1);
  assert.equal(breaker.state, 'half_open');
  assert.equal(breaker.tryAcquire(), true);
  assert.equal(breaker.tryAcquire(), false, 'only one probe at a time');
  breaker.recordSuccess();
  assert.equal(breaker.state, 'closed');
  assert.equal(breaker.tryAcquire(), true);
});

test('a failed probe opens the breaker for another cool-down', () => {
  const clock = manualClock();
  const breaker = new CircuitBreaker({ failure_threshold: 5, cooldown_ms: 100 }, clock);
  for (let i = 0; i < 5; i++) breaker.recordFailure();
  clock.advance(100);
  assert.equal(breaker.tryAcquire(), true);
  breaker.recordFailure();
  assert.equal(breaker.state, 'open');
  clock.advance(50);
  assert.equal(breaker.tryAcquire(), false);
  clock.advance(50);
  assert.equal(breaker.tryAcquire(), true);
});

test('a released probe (client went away) lets the next probe through', () => {
  const clock = manualClock();
  const breaker = new CircuitBreaker({ failure_threshold: 1, cooldown_ms: 10 }, clock);
  breaker.recordFailure();
  clock.advance(10);
  assert.equal(breaker.tryAcquire(), true);
  breaker.release();
  assert.equal(breaker.tryAcquire(), true);
});
