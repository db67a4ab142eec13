import type { KubernetesObject } from '@kubernetes/client-node';
import { TransientError } from '../domain/errors.js';
import { kubeMessage } from '../kube/kube-errors.js';
import { describeRef, refOf } from '../kube/object-ref.js';
import type { TenantKubeClient } from '../kube/tenant-client.js';
import { serverSideApply } from '../kube/apply.js';

/**
 * Server-side apply of one object with field manager `kaas`, taking ownership of conflicting
 * fields. A failure is transient: the job retries it with backoff (an API server restarting, a
 * CRD not served yet, a webhook not answering yet all pass).
 */
export class ObjectApplier {
  async apply(client: TenantKubeClient, object: KubernetesObject): Promise<void> {
    try {
      await serverSideApply(client, object);
    } catch (error) {
      throw new TransientError(
        `apply of ${describeRef(refOf(object))}: ${kubeMessage(error)}`,
        'ApplyFailed',
      );
    }
  }
}
