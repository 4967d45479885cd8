/**
 * A worker-thread result whose buffers are moved to the caller instead of copied. A worker entry
 * returns `transferable(scores)`; the worker-pool factory's thread side unwraps it and hands the
 * buffer over, so the caller receives the plain value. Worker entries never import the pool
 * library themselves.
 */

const TRANSFERABLE = Symbol.for('quire.transferable');

export interface Transferable<T> {
  readonly [TRANSFERABLE]: true;
  readonly value: T;
  /** The buffers that change owner (they are unusable in the worker afterwards). */
  readonly buffers: ArrayBuffer[];
}

/** Marks a typed array (or other view) so that its buffer moves to the caller. */
export function transferable<T extends ArrayBufferView>(view: T): Transferable<T> {
  const buffers = view.buffer instanceof ArrayBuffer ? [view.buffer] : [];
  return { [TRANSFERABLE]: true, value: view, buffers };
}

export function isTransferable(value: unknown): value is Transferable<unknown> {
  return typeof value === 'object' && value !== null && TRANSFERABLE in value;
}
