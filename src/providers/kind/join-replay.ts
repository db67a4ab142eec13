import { parse } from 'yaml';
import { parseAllDocuments } from 'yaml';
import { toMultiDocumentYaml } from '../../bootstrap/yaml.js';

/** One `docker exec` into a node: an argument array and, for file writes, its content on stdin. */
export interface ExecStep {
  argv: string[];
  input?: string;
}

interface CloudConfig {
  write_files?: { path: string; content: string; owner?: string; permissions?: string }[];
  runcmd?: (string | string[])[];
}

/**
 * Turns our cloud-config into the commands cloud-init would run, so a node container without
 * cloud-init gets the same files and commands: each file is written from stdin by `tee` (no
 * shell), then given its mode and owner; each runcmd entry, an argument list, runs as is.
 * A runcmd given as a string would need a shell and is refused.
 */
export function replayCloudConfig(userData: string): ExecStep[] {
  if (!userData.startsWith('#cloud-config\n')) throw new Error('user data is not a cloud-config');
  const config = parse(userData) as CloudConfig;
  const steps: ExecStep[] = [];
  for (const file of config.write_files ?? []) {
    const dir = file.path.slice(0, file.path.lastIndexOf('/')) || '/';
    steps.push({ argv: ['mkdir', '-p', dir] });
    steps.push({ argv: ['tee', file.path], input: file.content });
    if (file.permissions) steps.push({ argv: ['chmod', file.permissions, file.path] });
    if (file.owner) steps.push({ argv: ['chown', file.owner, file.path] });
  }
  for (const command of config.runcmd ?? []) {
    if (!Array.isArray(command))
      throw new Error(`runcmd "${command}" is a shell string; only argument lists are replayed`);
    steps.push({ argv: command.map(String) });
  }
  return steps;
}

/**
 * kind's own joins skip kubeadm's preflight: a node container has no kernel config to read,
 * may have swap on the host, and its system verification fails for reasons that do not matter
 * inside Docker. The same is asked of kubeadm here through the JoinConfiguration.
 */
export function ignorePreflightErrors(kubeadmConfig: string): string {
  const documents = parseAllDocuments(kubeadmConfig).map(
    (d) => d.toJS() as Record<string, unknown>,
  );
  for (const document of documents) {
    if (document.kind !== 'JoinConfiguration') continue;
    const registration = (document.nodeRegistration ?? {}) as Record<string, unknown>;
    registration.ignorePreflightErrors = ['all'];
    document.nodeRegistration = registration;
  }
  return toMultiDocumentYaml(documents);
}
