/**
 * What the composition root opened, closed in the reverse order of opening: what was opened last
 * may use what was opened before it (workers use pools, pools and services use stores).
 */
export class Closers {
  private readonly closers: (() => Promise<void>)[] = [];

  add(close: () => Promise<void>): void {
    this.closers.push(close);
  }

  /** Closes everything added, last first; idempotent (each is closed once). */
  async close(): Promise<void> {
    for (const close of this.closers.splice(0).reverse()) await close();
  }
}
