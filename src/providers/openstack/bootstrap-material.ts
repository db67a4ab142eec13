import { generateClusterPki, type ClusterPki } from '../../bootstrap/pki.js';
import {
  generateBootstrapToken,
  parseBootstrapToken,
  type BootstrapToken,
} from '../../bootstrap/tokens.js';
import type { ClusterSecretsRepository } from '../../persistence/cluster-secrets.repository.js';
import { decryptSecret, encryptSecret, type KeyRing } from '../../security/envelope.js';

const API_SERVED = 'api-served';

/**
 * A cluster's CA material and bootstrap token, made once, kept encrypted in the database and
 * read back by whichever worker renders a machine's user data.
 */
export class BootstrapMaterial {
  constructor(
    private readonly secrets: ClusterSecretsRepository,
    private readonly keyRing: KeyRing,
  ) {}

  async pki(clusterId: string): Promise<ClusterPki> {
    return JSON.parse(
      await this.secret(clusterId, 'pki', async () => JSON.stringify(await generateClusterPki())),
    ) as ClusterPki;
  }

  async token(clusterId: string): Promise<BootstrapToken> {
    return parseBootstrapToken(
      await this.secret(clusterId, 'bootstrap-token', () =>
        Promise.resolve(generateBootstrapToken().token),
      ),
    );
  }

  /**
   * The one control-plane machine that runs `kubeadm init`: the first to ask claims it, every
   * other control-plane machine joins, even when several are created at once.
   */
  async initMachine(clusterId: string, candidate: string): Promise<string> {
    return this.secret(clusterId, 'init-machine', () => Promise.resolve(candidate));
  }

  /** Set the first time the tenant API server was seen serving; never unset. */
  async apiEverServed(clusterId: string): Promise<boolean> {
    return (await this.secrets.find(clusterId, API_SERVED)) !== undefined;
  }

  async markApiServed(clusterId: string): Promise<void> {
    await this.secret(clusterId, API_SERVED, () => Promise.resolve(new Date().toISOString()));
  }

  /** A secret stored for the cluster under `name`, decrypted; undefined when none is. */
  async find(clusterId: string, name: string): Promise<string | undefined> {
    const stored = await this.secrets.find(clusterId, name);
    return stored === undefined
      ? undefined
      : decryptSecret(stored, this.keyRing, { context: `cluster/${clusterId}/${name}` });
  }

  /** Stores `value` unless one is there already; answers the one kept. */
  keep(clusterId: string, name: string, value: string): Promise<string> {
    return this.secret(clusterId, name, () => Promise.resolve(value));
  }

  discard(clusterId: string, name: string): Promise<void> {
    return this.secrets.delete(clusterId, name);
  }

  forget(clusterId: string): Promise<void> {
    return this.secrets.deleteAll(clusterId);
  }

  private async secret(
    clusterId: string,
    name: string,
    make: () => Promise<string>,
  ): Promise<string> {
    const context = `cluster/${clusterId}/${name}`;
    const stored =
      (await this.secrets.find(clusterId, name)) ??
      (await this.secrets.putIfAbsent(
        clusterId,
        name,
        encryptSecret(await make(), this.keyRing.current, { context }),
      ));
    return decryptSecret(stored, this.keyRing, { context });
  }
}
