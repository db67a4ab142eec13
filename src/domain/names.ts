import { z } from 'zod';

/** DNS-1123 label: what Kubernetes and every provider accept as a resource name. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const dnsLabel = (maxLength: number) =>
  z
    .string()
    .min(1)
    .max(maxLength)
    .regex(DNS_LABEL, 'must be a DNS-1123 label: lowercase letters, digits and -, starting and ending alphanumeric');

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A Kubernetes label key: optional DNS subdomain prefix, then a name of at most 63 characters. */
export function isLabelKey(key: string): boolean {
  const slash = key.indexOf('/');
  const name = slash === -1 ? key : key.slice(slash + 1);
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !LABEL_PREFIX.test(prefix)))
    return false;
  return name.length > 0 && name.length <= 63 && LABEL_NAME.test(name);
}

export function isLabelValue(value: string): boolean {
  return value === '' || (value.length <= 63 && LABEL_NAME.test(value));
}

export const labelMap = z
  .record(
    z.string().refine(isLabelKey, 'must be a Kubernetes label key'),
    z.string().refine(isLabelValue, 'must be a Kubernetes label value (63 characters at most)'),
  )
  .refine((m) => Object.keys(m).length <= 64, 'at most 64 labels');
