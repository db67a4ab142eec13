import { TerminalError } from '../../domain/errors.js';
import { ServiceClient } from './service-client.js';

export interface GlanceImage {
  id: string;
  name: string;
  status: string;
  /** The Kubernetes version the image's kubeadm and kubelet are, when its maker said so. */
  kube_version?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class GlanceClient extends ServiceClient {
  protected readonly service = 'image' as const;
  protected override readonly prefix = '/v2';

  /** An active image by id, or by a name that only one image visible to the project has. */
  async findImage(nameOrId: string): Promise<GlanceImage | undefined> {
    if (UUID.test(nameOrId)) {
      const byId = await this.find<GlanceImage>(`/images/${nameOrId}`);
      if (byId) return byId.status === 'active' ? byId : undefined;
    }
    const { images } = await this.get<{ images: GlanceImage[] }>('/images', {
      name: nameOrId,
      status: 'active',
    });
    if (images.length > 1)
      throw new TerminalError(
        'OpenStackImageAmbiguous',
        `${images.length} images are named "${nameOrId}": name one by its id`,
      );
    return images[0];
  }
}
