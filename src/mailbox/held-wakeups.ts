import type { Doorbell } from './doorbell.js';
import { ReusedList } from '../util/reused-list.js';

/**
 * Wake-ups a thread holds back while it handles one pass of messages, then rings once per
 * receiver. A leader that re-proposes 100 recovered slots writes 400 messages in one turn; ringing
 * after each would wake the same parked acceptor again and again (a futex wake, tens of
 * microseconds on a small VM, and the woken thread takes the sender's core). Held, each receiver
 * is woken once, after the pass, with all of its messages already in its ring.
 *
 * The doorbell contract still holds: every committed record is followed by a ring of its
 * receiver's doorbell, only later. So whoever holds must release before it parks or blocks,
 * and Outbox's blocking sends release first (a sender waiting for room must not wait on a
 * receiver it never woke).
 */
export class HeldWakeups {
  private holdingValue = false;
  private readonly owed = new ReusedList<Doorbell>();

  get holding(): boolean {
    return this.holdingValue;
  }

  /** From now on, rings are owed instead of rung, until release(). */
  hold(): void {
    this.holdingValue = true;
  }

  /** Called by an Outbox in place of ringing while held. */
  owe(doorbell: Doorbell): void {
    const owed = this.owed;
    // Usually one or a few receivers per pass: a scan beats a Set's allocation.
    for (let i = 0; i < owed.length; i++) if (owed.get(i) === doorbell) return;
    owed.push(doorbell);
  }

  /** Stops holding and rings every doorbell owed, once each. */
  release(): void {
    this.holdingValue = false;
    const owed = this.owed;
    for (let i = 0; i < owed.length; i++) owed.get(i).ring();
    owed.clear();
  }
}
