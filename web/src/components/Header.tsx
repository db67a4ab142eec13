import { useCallback } from 'react';
import { unwrap } from '../../../sdk/src/index.js';
import type { KaasClient } from '../api.js';
import { usePoll } from '../hooks.js';

interface Props {
  kaas: KaasClient;
  project: string;
  onProject: (project: string) => void;
  onSignOut: () => void;
}

export function Header({ kaas, project, onProject, onSignOut }: Props) {
  const load = useCallback(() => unwrap(kaas.listProjects({ query: { limit: 500 } })), [kaas]);
  const { data } = usePoll(load, 60_000);
  const names = data?.items.map((p) => p.name) ?? [project];
  return (
    <header className="topbar">
      <a className="brand" href="#/">
        kaas
      </a>
      <label className="project">
        Project
        <select name="project" value={project} onChange={(e) => onProject(e.target.value)}>
          {names.map((name) => (
            <option key={name}>{name}</option>
          ))}
        </select>
      </label>
      <button className="secondary" onClick={onSignOut}>
        Sign out
      </button>
    </header>
  );
}
