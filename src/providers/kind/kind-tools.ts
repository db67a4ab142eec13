import { CommandError, CommandRunner } from './cli.js';

/** The oldest kind whose node images and config fields this provider relies on. */
export const MIN_KIND_VERSION = '0.33.0';
/** The oldest Docker Engine with cgroup namespaces (`--cgroupns`), which kindest/node needs. */
export const MIN_DOCKER_VERSION = '20.10.0';

const VERSION_TIMEOUT_MS = 15_000;
/** Preflight runs on requests: a passed check is reused for this long; a failed one is not. */
const CHECK_TTL_MS = 60_000;

export interface ToolCheck {
  ok: boolean;
  problems: string[];
  kindVersion?: string;
  dockerVersion?: string;
}

/** The two CLIs the kind provider drives, and the check that they are there and new enough. */
export class KindTools {
  private checked?: { at: number; result: ToolCheck };

  constructor(
    readonly kind: CommandRunner,
    readonly docker: CommandRunner,
    private readonly now: () => number = Date.now,
  ) {}

  async check(): Promise<ToolCheck> {
    if (this.checked && this.now() - this.checked.at < CHECK_TTL_MS) return this.checked.result;
    // One after the other: the calls stay in a fixed order, which the command log relies on.
    const kind = await this.kindVersion();
    const docker = await this.dockerVersion();
    const problems = [kind, docker].flatMap((t) => (t.problem ? [t.problem] : []));
    const result: ToolCheck = {
      ok: problems.length === 0,
      problems,
      ...(kind.version ? { kindVersion: kind.version } : {}),
      ...(docker.version ? { dockerVersion: docker.version } : {}),
    };
    // A failure is not remembered: a user who starts Docker is not refused for another minute.
    this.checked = result.ok ? { at: this.now(), result } : undefined;
    return result;
  }

  private async kindVersion(): Promise<{ version?: string; problem?: string }> {
    try {
      const { stdout } = await this.kind.run(['version'], { timeoutMs: VERSION_TIMEOUT_MS });
      // `kind v0.33.0 go1.26.0 linux/amd64`
      const version = /\bv(\d+\.\d+\.\d+)/.exec(stdout)?.[1];
      if (!version) return { problem: `kind version printed "${stdout.trim()}", not a version` };
      if (!atLeast(version, MIN_KIND_VERSION))
        return {
          version,
          problem: `kind ${version} is too old; kaas needs kind ${MIN_KIND_VERSION} or newer`,
        };
      return { version };
    } catch (error) {
      return { problem: toolProblem('kind', error, 'install kind from https://kind.sigs.k8s.io') };
    }
  }

  private async dockerVersion(): Promise<{ version?: string; problem?: string }> {
    try {
      const { stdout } = await this.docker.run(['version', '--format', '{{.Server.Version}}'], {
        timeoutMs: VERSION_TIMEOUT_MS,
      });
      const version = /^(\d+\.\d+\.\d+)/.exec(stdout.trim())?.[1];
      if (!version)
        return { problem: `docker version printed "${stdout.trim()}", not an engine version` };
      if (!atLeast(version, MIN_DOCKER_VERSION))
        return {
          version,
          problem: `Docker Engine ${version} is too old; kaas needs ${MIN_DOCKER_VERSION} or newer`,
        };
      return { version };
    } catch (error) {
      return {
        problem: toolProblem('docker', error, 'install Docker and start its engine'),
      };
    }
  }
}

function toolProblem(tool: string, error: unknown, hint: string): string {
  if (error instanceof CommandError) {
    if (error.notFound) return `${tool} is not installed (not found on PATH); ${hint}`;
    return `${tool} does not work here: ${error.message}`;
  }
  throw error;
}

export function atLeast(version: string, minimum: string): boolean {
  const a = version.split('.').map(Number);
  const b = minimum.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff > 0;
  }
  return true;
}
