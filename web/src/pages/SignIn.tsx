import { useState, type FormEvent } from 'react';
import { errorMessage, makeClient } from '../api.js';
import { unwrap } from '../../../sdk/src/index.js';

/** Checks the token by listing its projects, then signs in to the first (or `default`). */
export function SignIn({ onSignedIn }: { onSignedIn: (token: string, project: string) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const projects = await unwrap(makeClient(token.trim()).listProjects({}));
      const first = projects.items.find((p) => p.name === 'default') ?? projects.items[0];
      if (!first) throw new Error('this token sees no project');
      onSignedIn(token.trim(), first.name);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="signin">
      <form className="card" onSubmit={(e) => void submit(e)}>
        <h1>kaas console</h1>
        <p className="muted">Sign in with an API token (kaas_…).</p>
        <label>
          API token
          <input
            name="token"
            type="password"
            autoComplete="off"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            required
          />
        </label>
        {error && <p className="error">{error}</p>}
        <button type="submit" disabled={busy || !token.trim()}>
          Sign in
        </button>
      </form>
    </div>
  );
}
