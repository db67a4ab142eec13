import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommandRunner } from '../../src/providers/kind/cli.js';
import { KindTools } from '../../src/providers/kind/kind-tools.js';
import { withStateLock } from './state-lock.mjs';

const SCRIPT = fileURLToPath(new URL('./kind-docker-standin.mjs', import.meta.url));

export interface StandinCall {
  tool: 'kind' | 'docker';
  args: string[];
  stdin?: string;
}

export interface StandinState {
  versions: { kind: string; docker: string };
  engineUp: boolean;
  apiServer?: string;
  apiToken?: string;
  caPem: string;
  clusters: Record<string, { port: number; config: any }>;
  containers: Record<
    string,
    {
      name: string;
      id: string;
      image: string;
      state: string;
      labels: Record<string, string>;
      files: Record<string, string>;
      joined: boolean;
      runFlags?: Record<string, (string | boolean)[]>;
    }
  >;
  networks: Record<string, unknown>;
  /** Images present locally (`docker inspect --type=image` finds them). */
  images?: string[];
  /** The next `kind create cluster` or `kubeadm join` fails. */
  failNext?: 'create' | 'join';
}

export interface Standin {
  dir: string;
  /** PATH with the stand-in's `kind` and `docker` first. */
  env: NodeJS.ProcessEnv;
  tools: KindTools;
  calls(): StandinCall[];
  /** The calls as `tool arg arg`, for exact-sequence assertions. */
  commands(): string[];
  clearCalls(): void;
  state(): StandinState;
  update(change: (state: StandinState) => void): void;
  remove(tool: 'kind' | 'docker'): void;
  cleanup(): void;
}

/** Wrappers named `kind` and `docker` that run the stand-in script with this Node. */
export function startStandin(initial: Partial<StandinState> & { caPem: string }): Standin {
  const dir = mkdtempSync(join(tmpdir(), 'kaas-standin-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(dir, 'calls.jsonl'), '');
  const state: StandinState = {
    versions: { kind: '0.33.0', docker: '29.5.0' },
    engineUp: true,
    clusters: {},
    containers: {},
    networks: {},
    ...initial,
  };
  writeFileSync(join(dir, 'state.json'), JSON.stringify(state));
  for (const tool of ['kind', 'docker'] as const) {
    const path = join(bin, tool);
    // The state folder is fixed in the wrapper: a process that starts it needs no extra env.
    writeFileSync(
      path,
      `#!/bin/sh\nKAAS_STANDIN_DIR='${dir}' exec '${process.execPath}' '${SCRIPT}' ${tool} "$@"\n`,
    );
    chmodSync(path, 0o755);
  }
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, KAAS_STANDIN_DIR: dir };
  const read = (): StandinCall[] =>
    readFileSync(join(dir, 'calls.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as StandinCall);
  const readState = () => JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as StandinState;
  return {
    dir,
    env,
    tools: new KindTools(
      new CommandRunner(join(bin, 'kind'), env),
      new CommandRunner(join(bin, 'docker'), env),
    ),
    calls: read,
    commands: () => read().map((c) => [c.tool, ...c.args].join(' ')),
    clearCalls: () => writeFileSync(join(dir, 'calls.jsonl'), ''),
    state: readState,
    update: (change) =>
      withStateLock(dir, () => {
        const s = readState();
        change(s);
        writeFileSync(join(dir, 'state.json'), JSON.stringify(s));
      }),
    remove: (tool) => {
      if (existsSync(join(bin, tool))) rmSync(join(bin, tool));
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
