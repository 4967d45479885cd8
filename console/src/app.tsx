/**
 * The console's shell: sign-in, the navigation, and the view the hash route names. What a key
 * may not do is not shown (GET /v1/whoami gives its scopes).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, session, whoamiWith, type Scope, type Whoami } from './api.js';
import { currentRoute, ErrorText, navigate, useRoute } from './ui.js';
import { DocumentView } from './views/document.js';
import { DocumentsView } from './views/documents.js';
import { JobsView } from './views/jobs.js';
import { RerankView } from './views/rerank.js';
import { SearchView } from './views/search.js';
import { SignIn } from './views/sign-in.js';
import { UploadView } from './views/upload.js';

interface NavItem {
  path: string;
  label: string;
  needs: Scope;
}

const NAV: NavItem[] = [
  { path: '/upload', label: 'Upload', needs: 'documents:write' },
  { path: '/documents', label: 'Documents', needs: 'documents:read' },
  { path: '/search', label: 'Search', needs: 'search' },
  { path: '/jobs', label: 'Jobs', needs: 'documents:read' },
  { path: '/rerank', label: 'Rerank', needs: 'search' },
];

export interface Access {
  who: Whoami;
  can: (scope: Scope) => boolean;
}

export function App() {
  const [who, setWho] = useState<Whoami | null>(null);
  const [checking, setChecking] = useState(session.key() !== null);
  const [error, setError] = useState<unknown>(null);

  // A key kept from earlier in this tab is checked again (it may have been revoked).
  useEffect(() => {
    const key = session.key();
    if (key === null) return;
    whoamiWith(key).then(
      (found) => {
        setWho(found);
        setChecking(false);
      },
      (failure: unknown) => {
        if (failure instanceof ApiError && failure.status === 401) session.clear();
        setError(failure);
        setChecking(false);
      },
    );
  }, []);

  if (checking) return <p class="loading">Checking the key…</p>;
  if (who === null)
    return (
      <SignIn
        error={error}
        onSignedIn={(key, found) => {
          session.set(key);
          setError(null);
          setWho(found);
        }}
      />
    );
  return (
    <Shell
      access={{ who, can: (scope) => who.scopes.includes(scope) }}
      onSignOut={() => {
        session.clear();
        setWho(null);
      }}
    />
  );
}

function Shell({ access, onSignOut }: { access: Access; onSignOut: () => void }) {
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  const items = NAV.filter((item) => access.can(item.needs));
  const readOnly = !access.can('documents:write');
  const first = items[0]?.path ?? '/documents';
  const path = items.some((item) => route.path.startsWith(item.path)) ? route.path : first;

  // A new view moves focus to its heading, as a page load would (screen readers announce it).
  useEffect(() => {
    main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [route.path]);

  // Only a route this key has no view for is redirected, and only if the address still names it:
  // a link followed since this render (its hashchange is on the way) must not be overwritten.
  useEffect(() => {
    if (path !== route.path && currentRoute().path === route.path) navigate(path);
  }, [path, route.path]);

  let view;
  if (path.startsWith('/documents/'))
    view = <DocumentView id={decodeURIComponent(path.slice(11))} route={route} access={access} />;
  else if (path === '/documents') view = <DocumentsView />;
  else if (path === '/search') view = <SearchView />;
  else if (path === '/jobs') view = <JobsView access={access} />;
  else if (path === '/rerank') view = <RerankView />;
  else if (path === '/upload') view = <UploadView />;
  else view = <ErrorText error={new Error('No such view')} />;

  return (
    <>
      <a
        class="skip"
        href="#main"
        onClick={(event) => {
          event.preventDefault();
          main.current?.focus();
        }}
      >
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="#/documents">
          Quire
        </a>
        <nav aria-label="Console">
          <ul>
            {items.map((item) => (
              <li key={item.path}>
                <a
                  href={`#${item.path}`}
                  aria-current={path.startsWith(item.path) ? 'page' : undefined}
                >
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span data-testid="tenant">
            Tenant <strong>{access.who.tenant_id}</strong>
          </span>
          {readOnly && <span class="badge badge-readonly">read-only</span>}
          <button type="button" class="link" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {view}
      </main>
    </>
  );
}
