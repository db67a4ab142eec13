import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import {
  refId,
  type BarbicanClient,
  type BarbicanContainer,
  type CertificateMaterial,
} from '../providers/openstack/barbican.js';
import type { TlsSecretRef } from './ingress-model.js';

export type TlsReading =
  { ok: true; material: CertificateMaterial; fingerprint: string } | { ok: false; problem: string };

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Reads a `kubernetes.io/tls` Secret: the first certificate of tls.crt is the server's, the
 * rest its chain; tls.key must be the private key of that certificate.
 */
export function readTlsSecret(ref: TlsSecretRef, secret: V1Secret | undefined): TlsReading {
  const name = `Secret ${ref.namespace}/${ref.name}`;
  if (!secret) return { ok: false, problem: `${name} not found` };
  const crt = secret.data?.['tls.crt'];
  const key = secret.data?.['tls.key'];
  if (!crt || !key) return { ok: false, problem: `${name} has no tls.crt and tls.key` };
  const certificatePem = Buffer.from(crt, 'base64').toString('utf8');
  const keyPem = Buffer.from(key, 'base64').toString('utf8');
  const blocks = certificatePem.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0)
    return { ok: false, problem: `${name}: tls.crt holds no PEM certificate` };
  try {
    const leaf = new X509Certificate(blocks[0]!);
    if (!leaf.checkPrivateKey(createPrivateKey(keyPem)))
      return {
        ok: false,
        problem: `${name}: tls.key is not the key of the certificate in tls.crt`,
      };
    if (Date.parse(leaf.validTo) < Date.now())
      return { ok: false, problem: `${name}: the certificate expired on ${leaf.validTo}` };
  } catch (error) {
    return {
      ok: false,
      problem: `${name}: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  const intermediates = blocks.slice(1).join('\n');
  const material: CertificateMaterial = {
    certificate: `${blocks[0]!}\n`,
    privateKey: keyPem,
    ...(intermediates ? { intermediates: `${intermediates}\n` } : {}),
  };
  const fingerprint = createHash('sha256')
    .update(material.certificate)
    .update(material.privateKey)
    .update(material.intermediates ?? '')
    .digest('hex')
    .slice(0, 16);
  return { ok: true, material, fingerprint };
}

const shortHash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

/** `kaas-ingress-<cluster>-` and, with a key, `kaas-ingress-<cluster>-<key hash>-`. */
export function containerPrefix(clusterId: string, key?: string): string {
  return `kaas-ingress-${clusterId}-${key === undefined ? '' : `${shortHash(key)}-`}`;
}

/** The Barbican container name of one certificate of one load balancer key. */
export function containerName(clusterId: string, key: string, fingerprint: string): string {
  return `${containerPrefix(clusterId, key)}${fingerprint}`;
}

/**
 * Certificates of one cluster's Ingresses in Barbican. A container's name says whose it is and
 * what it holds (`kaas-ingress-<cluster>-<load balancer key hash>-<content hash>`), so a renewed
 * certificate is a new container, and the old ones and those of deleted Ingresses are found by
 * name and removed.
 */
export class TlsCertificateStore {
  constructor(
    private readonly barbican: BarbicanClient,
    private readonly clusterId: string,
  ) {}

  private prefix(key?: string): string {
    return containerPrefix(this.clusterId, key);
  }

  /** The container for this certificate, made when missing; answers its reference. */
  async ensure(key: string, fingerprint: string, material: CertificateMaterial): Promise<string> {
    const name = containerName(this.clusterId, key, fingerprint);
    const [existing] = await this.barbican.listContainers({ name });
    if (existing) return existing.container_ref;
    return this.barbican.createCertificateContainer(name, material);
  }

  /** Deletes this load balancer's containers except the ones in use. */
  async prune(key: string, inUse: ReadonlySet<string>): Promise<number> {
    const prefix = this.prefix(key);
    return this.deleteWhere((c) => c.name.startsWith(prefix) && !inUse.has(refId(c.container_ref)));
  }

  /** Deletes the containers of every load balancer key of this cluster not in `liveKeys`. */
  async pruneOrphans(liveKeys: readonly string[]): Promise<number> {
    const cluster = this.prefix();
    const live = liveKeys.map((k) => this.prefix(k));
    return this.deleteWhere(
      (c) => c.name.startsWith(cluster) && !live.some((prefix) => c.name.startsWith(prefix)),
    );
  }

  private async deleteWhere(select: (container: BarbicanContainer) => boolean): Promise<number> {
    let deleted = 0;
    for (const container of await this.barbican.listContainers()) {
      if (!select(container)) continue;
      await this.barbican.deleteCertificateContainer(container);
      deleted++;
    }
    return deleted;
  }
}
