import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TerminalError, TransientError } from '../domain/errors.js';
import type { AddonVariant, Artefact } from './catalogue-schema.js';

/** The package root: this file is src/addons/ or dist/addons/, two levels below it. */
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ArtefactSourceOptions {
  /** KAAS_ADDON_MIRROR: `<component>/<componentVersion>/<file>` under this folder. */
  mirror?: string;
  fetchTimeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * Fetches an add-on's artefacts from the mirror folder or their upstream URL and verifies each
 * against the sha256 the catalogue pins. A mismatch is terminal: no retry makes other bytes right.
 */
export class ArtefactSource {
  private readonly cache = new Map<string, Buffer>();

  constructor(private readonly options: ArtefactSourceOptions = {}) {}

  async fetchAll(addon: string, variant: AddonVariant): Promise<Map<string, Buffer>> {
    const files = new Map<string, Buffer>();
    for (const artefact of variant.artefacts) {
      files.set(artefact.file, await this.fetchOne(addon, variant, artefact));
    }
    return files;
  }

  async fetchOne(addon: string, variant: AddonVariant, artefact: Artefact): Promise<Buffer> {
    const cached = this.cache.get(artefact.sha256);
    if (cached) return cached;
    const { bytes, from } = await this.read(addon, variant, artefact);
    const digest = createHash('sha256').update(bytes).digest('hex');
    if (digest !== artefact.sha256) {
      throw new TerminalError(
        'ArtefactDigestMismatch',
        `add-on ${addon}: ${artefact.file} from ${from} has sha256 ${digest}, but the catalogue pins ${artefact.sha256}`,
      );
    }
    this.cache.set(artefact.sha256, bytes);
    return bytes;
  }

  private async read(
    addon: string,
    variant: AddonVariant,
    artefact: Artefact,
  ): Promise<{ bytes: Buffer; from: string }> {
    if (artefact.bundled) {
      const path = join(PACKAGE_ROOT, artefact.bundled);
      try {
        return { bytes: await readFile(path), from: path };
      } catch (error) {
        throw new TerminalError(
          'ArtefactMissing',
          `add-on ${addon}: ${artefact.bundled} is missing from this installation: ${(error as Error).message}`,
        );
      }
    }
    if (this.options.mirror) {
      const path = join(
        resolve(this.options.mirror),
        variant.component,
        variant.componentVersion,
        artefact.file,
      );
      try {
        return { bytes: await readFile(path), from: path };
      } catch (error) {
        throw new TerminalError(
          'ArtefactMissing',
          `add-on ${addon}: ${artefact.file} is not in the mirror (${path}): ${(error as Error).message}`,
        );
      }
    }
    if (!artefact.url) {
      throw new TerminalError(
        'ArtefactMissing',
        `add-on ${addon}: ${artefact.file} has no public URL with the pinned digest; set KAAS_ADDON_MIRROR to a mirror that holds ${variant.component}/${variant.componentVersion}/${artefact.file}`,
      );
    }
    return { bytes: await this.download(addon, artefact.url), from: artefact.url };
  }

  private async download(addon: string, url: string): Promise<Buffer> {
    const doFetch = this.options.fetch ?? fetch;
    let response: Response;
    try {
      response = await doFetch(url, {
        signal: AbortSignal.timeout(this.options.fetchTimeoutMs ?? 60_000),
      });
    } catch (error) {
      throw new TransientError(
        `add-on ${addon}: fetching ${url} failed: ${(error as Error).message}`,
        'ArtefactUnavailable',
      );
    }
    if (response.status >= 500 || response.status === 429) {
      throw new TransientError(
        `add-on ${addon}: ${url} answered ${response.status}`,
        'ArtefactUnavailable',
      );
    }
    if (!response.ok) {
      throw new TerminalError(
        'ArtefactMissing',
        `add-on ${addon}: ${url} answered ${response.status}`,
      );
    }
    return Buffer.from(await response.arrayBuffer());
  }
}
