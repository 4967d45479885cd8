/** Small pieces the views share: the route hook, error and status displays, the pager, the method picker. */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from './api.js';

/** The hash route (`#/documents/doc_1?page=2`) as a path and its query. */
export interface Route {
  path: string;
  params: URLSearchParams;
}

export function currentRoute(): Route {
  const hash = location.hash.replace(/^#/, '') || '/upload';
  const [path = '/upload', search = ''] = hash.split('?', 2);
  return { path, params: new URLSearchParams(search) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const changed = (): void => setRoute(currentRoute());
    addEventListener('hashchange', changed);
    // The hash may have moved between the first render and now, with no one listening yet.
    changed();
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}

export function navigate(path: string): void {
  location.hash = `#${path}`;
}

export function messageOf(error: unknown): string {
  if (error instanceof ApiError)
    return error.status === 0 ? error.detail : `${error.detail} (${error.code})`;
  return error instanceof Error ? error.message : String(error);
}

/** An error announced to screen readers as it appears. */
export function ErrorText({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  return (
    <p class="error" role="alert">
      {messageOf(error)}
    </p>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge badge-${status}`}>{status}</span>;
}

export function Section({ title, children }: { title: string; children: ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · Quire console`;
  }, [title]);
  return (
    <section aria-labelledby="view-title">
      <h1 id="view-title" tabIndex={-1}>
        {title}
      </h1>
      {children}
    </section>
  );
}

/** Runs `load` when `deps` change, with loading and error state. */
export function useLoad<T>(
  load: () => Promise<T>,
  deps: unknown[],
): { data: T | null; error: unknown; loading: boolean; reload: () => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setLoading(true);
    load().then(
      (value) => {
        if (!live) return;
        setData(value);
        setError(null);
        setLoading(false);
      },
      (failure: unknown) => {
        if (!live) return;
        setError(failure);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { data, error, loading, reload: () => setTick((n) => n + 1) };
}

/** Cursor pagination: the cursors of the pages up to this one, so "Previous" pops one. */
export interface CursorPages {
  cursor: string | null;
  page: number;
  canGoBack: boolean;
  back: () => void;
  forward: (next: string) => void;
  restart: () => void;
}

export function useCursorPages(): CursorPages {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  return {
    cursor: cursors[cursors.length - 1] ?? null,
    page: cursors.length,
    canGoBack: cursors.length > 1,
    back: () => setCursors(cursors.slice(0, -1)),
    forward: (next) => setCursors([...cursors, next]),
    restart: () => setCursors([null]),
  };
}

export function Pager({
  label,
  pages,
  next,
}: {
  label: string;
  pages: CursorPages;
  next: string | null | undefined;
}) {
  return (
    <nav class="pager" aria-label={label}>
      <button type="button" disabled={!pages.canGoBack} onClick={pages.back}>
        Previous
      </button>
      <span>Page {pages.page}</span>
      <button type="button" disabled={!next} onClick={() => next && pages.forward(next)}>
        Next
      </button>
    </nav>
  );
}

/** The rerank methods of /v1/rerank and of search's rerank step. */
export function MethodSelect({
  id,
  label,
  value,
  onChange,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (method: string) => void;
}) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(event) => onChange(event.currentTarget.value)}>
        <option value="lexical">lexical</option>
        <option value="hybrid">hybrid</option>
        <option value="semantic">semantic</option>
      </select>
    </div>
  );
}

export function DegradedBadge() {
  return (
    <span class="badge badge-degraded" title="The semantic model is not available">
      degraded
    </span>
  );
}
