import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { AbortWatch } from '../../src/log/abort-watch.js';

describe('AbortWatch', () => {
  it('puts one listener on a signal for every call waiting on it, and calls each once when it aborts', () => {
    const watch = new AbortWatch();
    const controller = new AbortController();
    const called: number[] = [];
    const waiters = Array.from({ length: 50 }, (_, n) => () => called.push(n));
    for (const waiter of waiters) watch.watch(controller.signal, waiter);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    watch.unwatch(controller.signal, waiters[7]!); // settled before the abort
    controller.abort();
    expect(called).toEqual([...Array(50).keys()].filter((n) => n !== 7));
    expect([watch.signals, getEventListeners(controller.signal, 'abort').length]).toEqual([0, 0]);
    watch.unwatch(controller.signal, waiters[8]!); // after the abort: nothing to do
  });

  it('takes its listener off once the last waiter stops waiting, so a long-lived signal holds nothing', () => {
    const watch = new AbortWatch();
    const controller = new AbortController();
    for (let round = 0; round < 100; round++) {
      const waiters = [() => {}, () => {}];
      for (const waiter of waiters) watch.watch(controller.signal, waiter);
      for (const waiter of waiters) watch.unwatch(controller.signal, waiter);
    }
    expect([watch.signals, getEventListeners(controller.signal, 'abort').length]).toEqual([0, 0]);
  });

  it('keeps the signals apart, and refuses one that has aborted already (it would never fire)', () => {
    const watch = new AbortWatch();
    const first = new AbortController();
    const second = new AbortController();
    let fired = '';
    watch.watch(first.signal, () => (fired += 'first'));
    watch.watch(second.signal, () => (fired += 'second'));
    second.abort();
    expect([fired, watch.signals]).toEqual(['second', 1]);
    expect(() => watch.watch(AbortSignal.abort(), () => {})).toThrow(/aborted already/);
  });

  it('a waiter that throws does not keep the others waiting; its error goes on after all ran', () => {
    const watch = new AbortWatch();
    const called: string[] = [];
    watch.watch(new AbortController().signal, () => {}); // another signal, untouched
    const signal = { aborted: false, listeners: [] as Array<() => void> };
    const target = signal as unknown as AbortSignal;
    (signal as unknown as { addEventListener: (type: string, listener: () => void) => void }).addEventListener = (_type, listener) => signal.listeners.push(listener);
    watch.watch(target, () => called.push('first'));
    watch.watch(target, () => {
      called.push('second');
      throw new Error('second failed');
    });
    watch.watch(target, () => called.push('third'));
    expect(() => signal.listeners[0]!()).toThrow('second failed');
    expect([called, watch.signals]).toEqual([['first', 'second', 'third'], 1]);
  });
});
