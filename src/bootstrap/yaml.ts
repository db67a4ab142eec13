import { stringify } from 'yaml';

/**
 * No line folding: long base64 and PEM-free one-liners stay on one line, which every YAML
 * parser (Go's, cloud-init's PyYAML) reads the same way.
 */
const OPTIONS = { lineWidth: 0 } as const;

export function toYaml(document: unknown): string {
  return stringify(document, OPTIONS);
}

/** Documents joined by `---`, as kubeadm's --config takes several kinds in one file. */
export function toMultiDocumentYaml(documents: readonly unknown[]): string {
  return documents.map((d) => toYaml(d)).join('---\n');
}
