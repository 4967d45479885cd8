import { useState } from 'preact/hooks';
import { ApiError, whoamiWith, type Whoami } from '../api.js';
import { ErrorText } from '../ui.js';

/** Sign in with an API key; it is checked against GET /v1/whoami before it is kept. */
export function SignIn({
  error,
  onSignedIn,
}: {
  error: unknown;
  onSignedIn: (key: string, who: Whoami) => void;
}) {
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(error);

  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    setBusy(true);
    try {
      onSignedIn(key.trim(), await whoamiWith(key.trim()));
    } catch (caught) {
      setFailure(
        caught instanceof ApiError && caught.status === 401
          ? new Error('That API key was refused: it is wrong, expired or revoked.')
          : caught,
      );
      setBusy(false);
    }
  }

  return (
    <main class="sign-in" id="main">
      <h1>Quire console</h1>
      <p>Sign in with an API key. It is kept in this tab only and sent to this server only.</p>
      <form onSubmit={submit}>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          spellcheck={false}
          required
          value={key}
          onInput={(event) => setKey(event.currentTarget.value)}
        />
        <button type="submit" disabled={busy || key.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <ErrorText error={failure} />
      </form>
    </main>
  );
}
