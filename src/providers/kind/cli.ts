import { spawn } from 'node:child_process';

export interface CommandResult {
  stdout: string;
  stderr: string;
  /** The exit code; always 0 unless the call allowed failure. */
  code: number;
}

export interface CommandOptions {
  timeoutMs: number;
  /** Written to the command's standard input, then closed. */
  input?: string;
  /** Answer with the exit code instead of failing on a non-zero one. */
  allowFailure?: boolean;
}

/** A command that could not run, ran out of time or failed; carries the end of its stderr. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly code: number | null,
    readonly stderr: string,
    detail: string,
  ) {
    super(`${command} failed: ${detail}`);
    this.name = 'CommandError';
  }

  /** The binary was not found on PATH. */
  get notFound(): boolean {
    return this.code === 127;
  }
}

/**
 * Runs one binary with an argument array: no shell ever sees the arguments, so no value can
 * be read as shell syntax. Every call has a timeout; stderr is carried into errors.
 */
export class CommandRunner {
  constructor(
    private readonly binary: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  get name(): string {
    return this.binary.split('/').at(-1) ?? this.binary;
  }

  run(args: readonly string[], options: CommandOptions): Promise<CommandResult> {
    // The subcommand, without flag values: names a failure without echoing every argument.
    const firstFlag = args.findIndex((a) => a.startsWith('-'));
    const words = (firstFlag === -1 ? args : args.slice(0, firstFlag)).slice(0, 2);
    const label = [this.name, ...words].join(' ');
    return new Promise((resolve, reject) => {
      const child = spawn(this.binary, args, {
        env: this.env,
        stdio: ['pipe', 'pipe', 'pipe'],
        timeout: options.timeoutMs,
        killSignal: 'SIGKILL',
      });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.stdin.on('error', () => {
        // The command exited before reading its input; its exit code tells what happened.
      });
      child.on('error', (error: NodeJS.ErrnoException) => {
        const code = error.code === 'ENOENT' ? 127 : null;
        reject(new CommandError(label, code, '', `${this.binary}: ${error.message}`));
      });
      child.on('close', (code, signal) => {
        const out = Buffer.concat(stdout).toString('utf8');
        const err = Buffer.concat(stderr).toString('utf8');
        if (signal) {
          reject(
            new CommandError(
              label,
              null,
              err,
              `no answer within ${options.timeoutMs} ms (${signal})`,
            ),
          );
        } else if (code !== 0 && !options.allowFailure) {
          const detail = err.trim().split('\n').slice(-5).join(' | ') || `exit code ${code}`;
          reject(new CommandError(label, code, err, detail));
        } else {
          resolve({ stdout: out, stderr: err, code: code ?? 0 });
        }
      });
      child.stdin.end(options.input ?? '');
    });
  }
}
