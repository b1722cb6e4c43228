// Asks for an API key when the graph wants one, and says why it asks again.
import { type FormEvent, useState } from 'react';
import type { AccessProblem } from './client.ts';

const WHY: Record<AccessProblem, string> = {
  unauthenticated:
    'The graph needs an API key (401). Enter a key with the reader role; a key already entered was not accepted.',
  forbidden: 'This key may not read the graph (403). Enter a key with the reader role.',
};

export function KeyGate({ problem, onKey }: { problem: AccessProblem; onKey: (key: string) => void }) {
  const [key, setKey] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (key.trim()) onKey(key.trim());
  };
  return (
    <form className="key-gate" onSubmit={submit} aria-label="Sign in with an API key">
      <h2>API key needed</h2>
      <p role="alert" data-testid="access-message">
        {WHY[problem]}
      </p>
      <label>
        API key
        <input
          type="password"
          autoComplete="off"
          value={key}
          onChange={(event) => setKey(event.target.value)}
          placeholder="Bearer key from API_KEYS"
        />
      </label>
      <button type="submit">Open the dashboard</button>
      <p className="muted">Kept in this tab only (session storage) and sent as Authorization: Bearer.</p>
    </form>
  );
}
