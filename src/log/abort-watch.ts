// One 'abort' listener per AbortSignal, however many of a client's appends and reads wait on it.
//
// Why: a caller that passes one signal to many calls (a request's signal to its 256 appends, a
// shutdown signal to every read) made Node print "MaxListenersExceededWarning: Possible
// EventTarget memory leak detected. 11 abort listeners added to [AbortSignal]" once an 11th call
// was in flight: one listener per call. Here the calls waiting on a signal are a set behind one
// listener, which goes when the last of them stops waiting (or the signal fires).

interface Watched {
  readonly waiters: Set<() => void>;
  readonly listener: () => void;
}

export class AbortWatch {
  private readonly watched = new Map<AbortSignal, Watched>();

  /** Calls `onAbort` once when `signal` aborts, unless unwatch(signal, onAbort) comes first. The signal must not have aborted yet. */
  watch(signal: AbortSignal, onAbort: () => void): void {
    // An aborted signal never fires again: the caller checks signal.aborted first.
    if (signal.aborted) throw new Error('AbortWatch.watch: the signal has aborted already (check signal.aborted first)');
    let watched = this.watched.get(signal);
    if (watched === undefined) {
      const listener = (): void => this.fire(signal);
      watched = { waiters: new Set(), listener };
      this.watched.set(signal, watched);
      signal.addEventListener('abort', listener, { once: true });
    }
    watched.waiters.add(onAbort);
  }

  /** `onAbort` stops waiting on `signal` (nothing if it was not, or the signal has fired). */
  unwatch(signal: AbortSignal, onAbort: () => void): void {
    const watched = this.watched.get(signal);
    if (watched === undefined || !watched.waiters.delete(onAbort) || watched.waiters.size > 0) return;
    this.watched.delete(signal);
    signal.removeEventListener('abort', watched.listener);
  }

  /** Signals with a listener now (for tests: none once every call settled). */
  get signals(): number {
    return this.watched.size;
  }

  private fire(signal: AbortSignal): void {
    const watched = this.watched.get(signal);
    if (watched === undefined) return;
    this.watched.delete(signal);
    // Each waiter settles its call, which unwatches it: the entry is gone already, so that is a no-op.
    // One that throws must not keep the others waiting (each had a listener of its own before):
    // all run, then the first error goes on, as a listener's would.
    let failed = false;
    let failure: unknown;
    for (const onAbort of watched.waiters) {
      try {
        onAbort();
      } catch (error) {
        if (!failed) failure = error;
        failed = true;
      }
    }
    if (failed) throw failure;
  }
}
