const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----([\s\S]*?)-----END [A-Z ]*PRIVATE KEY-----/g;

/**
 * The strings a secret would show as in a log: itself, or for text holding PEM private keys
 * (a PKI bundle, a kubeconfig) each key's body lines — the same whether the PEM is printed
 * as is or JSON-escaped — and in every case its base64 at the three alignments, so that a
 * secret inside a larger base64 blob (user data, a kubeconfig's key data) is found as well.
 */
export function secretForms(secret: string): string[] {
  const keys = [...secret.matchAll(PRIVATE_KEY)].map((m) => m[0]);
  const forms: string[] = [];
  if (keys.length === 0) {
    forms.push(secret, ...base64Forms(secret));
    // A bootstrap token is `<id>.<secret>`: the id is public, the part after the dot is not.
    const dotted = /^[a-z0-9]{6}\.([a-z0-9]{16})$/.exec(secret);
    if (dotted) forms.push(dotted[1]!);
    return forms;
  }
  for (const key of keys) {
    const lines = key
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.length >= 16 && !l.startsWith('-----'));
    forms.push(...lines, ...base64Forms(key));
  }
  return forms;
}

/** base64 of the text from offsets 0, 1 and 2, cut to whole groups, which any base64 of a
 * longer text holding it contains at one of those alignments. */
function base64Forms(text: string): string[] {
  const bytes = Buffer.from(text, 'utf8');
  const forms: string[] = [];
  for (const offset of [0, 1, 2]) {
    const whole = Math.floor((bytes.length - offset) / 3) * 3;
    if (whole >= 9) forms.push(bytes.subarray(offset, offset + whole).toString('base64'));
  }
  return forms;
}
