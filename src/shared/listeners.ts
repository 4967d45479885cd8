/** A set of no-argument listeners, told in turn; one that throws does not stop the others. */
export class Listeners {
  private readonly listeners = new Set<() => void>();

  /** Adds `listener`; returns what removes it. */
  add(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  notify(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch {
        // A listener's failure is its own; the others are still told.
      }
    }
  }
}
