import type { KaasApi } from './api-client.js';
import type { Operation } from './api-types.js';
import { isObject } from './cluster-input.js';
import { printResult, type OutputFormat } from './output.js';
import { watchOperation } from './progress.js';

export interface MutationFlags {
  wait?: boolean;
  output?: OutputFormat;
}

function isOperation(value: unknown): value is Operation {
  return isObject(value) && typeof value.progress === 'number' && Array.isArray(value.steps);
}

/**
 * Reports what the server did with a change: a 202 Operation (followed with `--wait`) or a
 * 200 answer when there was nothing to do.
 */
export async function reportMutation(
  api: KaasApi,
  answer: unknown,
  flags: MutationFlags,
): Promise<void> {
  if (!isOperation(answer)) {
    if (flags.output && flags.output !== 'table') printResult(flags.output, answer, []);
    else process.stdout.write('no change: the cluster already matches\n');
    return;
  }
  if (flags.output && flags.output !== 'table') printResult(flags.output, answer, []);
  else {
    process.stdout.write(
      `operation ${answer.id} ${answer.type} ${answer.status} (cluster ${answer.clusterName})\n`,
    );
  }
  if (flags.wait) await watchOperation(api, answer.id);
}
