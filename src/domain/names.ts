import { z } from 'zod';

/** DNS-1123 label: what Kubernetes and every provider accept as a resource name. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const dnsLabel = (maxLength: number) =>
  z
    .string()
    .min(1)
    .max(maxLength)
    .regex(
      DNS_LABEL,
      'must be a DNS-1123 label: lowercase letters, digits and -, starting and ending alphanumeric',
    );

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A Kubernetes label key: optional DNS subdomain prefix, then a name of at most 63 characters. */
export function isLabelKey(key: string): boolean {
  const slash = key.indexOf('/');
  const name = slash === -1 ? key : key.slice(slash + 1);
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  if (
    prefix !== undefined &&
    (prefix.length === 0 || prefix.length > 253 || !LABEL_PREFIX.test(prefix))
  )
    return false;
  return name.length > 0 && name.length <= 63 && LABEL_NAME.test(name);
}

export function isLabelValue(value: string): boolean {
  return value === '' || (value.length <= 63 && LABEL_NAME.test(value));
}

/** The shapes of label keys and values as patterns, so the OpenAPI document carries them too. */
// Prefix: up to five DNS labels of at most 48 characters (so at most 244); name: at most 63.
const LABEL_KEY_PATTERN =
  /^([a-z0-9]([-a-z0-9]{0,46}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,46}[a-z0-9])?){0,4}\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE_PATTERN = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

export const labelKey = z
  .string()
  .max(316)
  .regex(LABEL_KEY_PATTERN, 'must be a Kubernetes label key')
  .refine(isLabelKey, 'must be a Kubernetes label key');

export const labelValue = z
  .string()
  .max(63)
  .regex(LABEL_VALUE_PATTERN, 'must be a Kubernetes label value')
  .refine(isLabelValue, 'must be a Kubernetes label value (63 characters at most)');

export const labelMap = z
  .record(labelKey, labelValue)
  .refine((m) => Object.keys(m).length <= 64, 'at most 64 labels');

// Matching control characters is the point here: they must never reach names, the database or logs.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/** Free text that may hold anything a person types, but no control characters. */
export const plainText = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .refine((v) => !CONTROL_CHARACTERS.test(v), 'must not contain control characters')
    .meta({ pattern: '^[^\\u0000-\\u001f\\u007f]*$' });
