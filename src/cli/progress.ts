import type { KaasApi } from './api-client.js';
import { TERMINAL_STATUSES, type Operation } from './api-types.js';
import { OperationFailedError } from './errors.js';

const BAR_WIDTH = 30;

/** `[#########---------]  45% Running  create-machines (2/3)` */
export function progressLine(operation: Operation): string {
  const filled = Math.round((operation.progress / 100) * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
  const step =
    operation.steps.find((s) => s.status === 'Running') ??
    operation.steps.findLast((s) => s.status !== 'Pending');
  const detail = step ? `  ${step.name} (${step.done}/${step.total})` : '';
  return `${bar} ${String(operation.progress).padStart(3)}% ${operation.status}${detail}`;
}

/**
 * Draws progress to stderr: one redrawn line on a terminal, a new line per change otherwise,
 * so logs of scripts stay readable.
 */
export class ProgressRenderer {
  private last = '';

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly tty = Boolean(process.stderr.isTTY),
  ) {}

  update(operation: Operation): void {
    const line = progressLine(operation);
    if (line === this.last) return;
    this.last = line;
    if (this.tty) this.stream.write(`\r\x1b[2K${line}`);
    else this.stream.write(`${line}\n`);
  }

  finish(): void {
    if (this.tty && this.last) this.stream.write('\n');
  }
}

export interface WatchOptions {
  intervalMs?: number;
}

/** Polls the operation until it ends; throws OperationFailedError unless it succeeded. */
export async function watchOperation(
  api: KaasApi,
  id: string,
  { intervalMs = pollInterval() }: WatchOptions = {},
): Promise<Operation> {
  const renderer = new ProgressRenderer();
  try {
    for (;;) {
      const operation = await api.getOperation(id);
      renderer.update(operation);
      if (TERMINAL_STATUSES.includes(operation.status)) return assertSucceeded(operation);
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  } finally {
    renderer.finish();
  }
}

function assertSucceeded(operation: Operation): Operation {
  if (operation.status === 'Succeeded') {
    process.stderr.write(`operation ${operation.id} Succeeded\n`);
    return operation;
  }
  const why = operation.error ? `: ${operation.error.reason}: ${operation.error.message}` : '';
  throw new OperationFailedError(`operation ${operation.id} ${operation.status}${why}`);
}

/** Tests and impatient users can poll faster than twice a second. */
function pollInterval(): number {
  const fromEnv = Number(process.env.KAASCTL_POLL_MS);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 500;
}
