import { ServiceClient } from './service-client.js';

export interface BarbicanSecretRef {
  name: string;
  secret_ref: string;
}

export interface BarbicanContainer {
  container_ref: string;
  name: string;
  type: string;
  status?: string;
  secret_refs: BarbicanSecretRef[];
}

/** What a TLS certificate container holds: PEM text, as Octavia's certificate manager reads it. */
export interface CertificateMaterial {
  certificate: string;
  privateKey: string;
  intermediates?: string;
}

/** The id at the end of a Barbican reference (`https://…/v1/secrets/<id>`). */
export function refId(ref: string): string {
  return ref.replace(/\/+$/, '').split('/').pop() ?? ref;
}

/**
 * Barbican (key manager) v1: secrets and certificate containers, the form Octavia's
 * TERMINATED_HTTPS listeners take as `default_tls_container_ref` and `sni_container_refs`.
 */
export class BarbicanClient extends ServiceClient {
  protected readonly service = 'key-manager' as const;
  protected override readonly prefix = '/v1';

  async createSecret(
    name: string,
    payload: string,
    secretType: 'certificate' | 'private',
  ): Promise<string> {
    const body = await this.post<{ secret_ref: string }>('/secrets', {
      name,
      payload,
      payload_content_type: 'text/plain',
      secret_type: secretType,
    });
    return body.secret_ref;
  }

  deleteSecret(ref: string): Promise<void> {
    return this.remove(`/secrets/${refId(ref)}`);
  }

  async listContainers(filters: { name?: string } = {}): Promise<BarbicanContainer[]> {
    const found: BarbicanContainer[] = [];
    for (let offset = 0; ;) {
      const page = await this.get<{ containers: BarbicanContainer[]; total: number }>(
        '/containers',
        { ...filters, limit: 100, offset },
      );
      found.push(...page.containers);
      offset += page.containers.length;
      if (page.containers.length === 0 || offset >= page.total) return found;
    }
  }

  /** A certificate container over three new secrets; returns the container reference. */
  async createCertificateContainer(name: string, material: CertificateMaterial): Promise<string> {
    const secretRefs: BarbicanSecretRef[] = [
      {
        name: 'certificate',
        secret_ref: await this.createSecret(`${name}-crt`, material.certificate, 'certificate'),
      },
      {
        name: 'private_key',
        secret_ref: await this.createSecret(`${name}-key`, material.privateKey, 'private'),
      },
    ];
    if (material.intermediates)
      secretRefs.push({
        name: 'intermediates',
        secret_ref: await this.createSecret(`${name}-ca`, material.intermediates, 'certificate'),
      });
    const body = await this.post<{ container_ref: string }>('/containers', {
      type: 'certificate',
      name,
      secret_refs: secretRefs,
    });
    return body.container_ref;
  }

  /** The container and the secrets it holds: a container delete alone leaves them behind. */
  async deleteCertificateContainer(container: BarbicanContainer): Promise<void> {
    await this.remove(`/containers/${refId(container.container_ref)}`);
    for (const secret of container.secret_refs) await this.deleteSecret(secret.secret_ref);
  }
}
