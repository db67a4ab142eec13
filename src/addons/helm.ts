import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TerminalError, TransientError } from '../domain/errors.js';

export interface HelmTemplateInput {
  release: string;
  namespace: string;
  chart: Buffer;
  values: Record<string, unknown>;
  kubeVersion: string;
  timeoutMs?: number;
}

/**
 * `helm template` with an argument array (never a shell string), CRDs included and hooks left
 * out: kaas applies CRDs itself and waits for them; Helm hooks would need Helm's release logic.
 */
export async function helmTemplate(helmBinary: string, input: HelmTemplateInput): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kaas-helm-'));
  try {
    const chart = join(dir, 'chart.tgz');
    const values = join(dir, 'values.json');
    await writeFile(chart, input.chart);
    // JSON is YAML, so Helm reads the values file as it is.
    await writeFile(values, JSON.stringify(input.values));
    const args = [
      'template',
      input.release,
      chart,
      '--namespace',
      input.namespace,
      '--include-crds',
      '--no-hooks',
      '--kube-version',
      input.kubeVersion,
      '--values',
      values,
    ];
    return await run(helmBinary, args, input.timeoutMs ?? 60_000);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function run(binary: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      args,
      {
        timeout: timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, HELM_NO_PLUGINS: '1' },
      },
      (error, stdout, stderr) => {
        if (error) {
          // A timeout may pass on a less busy machine; a chart Helm refuses will not change.
          const detail = stderr.trim() || error.message;
          reject(
            error.killed
              ? new TransientError(
                  `helm ${args[0]} timed out after ${timeoutMs} ms: ${detail}`,
                  'HelmTimeout',
                )
              : new TerminalError(
                  'RenderFailed',
                  `helm ${args[0]} exited with ${error.code}: ${detail}`,
                ),
          );
          return;
        }
        resolve(stdout);
      },
    );
  });
}
