/** Where spec.openstack.image takes each machine's Kubernetes version. */
export const VERSION_PLACEHOLDER = '{version}';

/**
 * The image a machine of `version` boots: spec.openstack.image with `{version}` replaced by the
 * full version (`1.37.2`), so an upgrade's new machines boot the new version's image.
 */
export function imageForVersion(image: string, version: string): string {
  return image.replaceAll(VERSION_PLACEHOLDER, version.replace(/^v/, ''));
}

/** `1.30` of `v1.30.4`, `1.30.4`, `1.30` or `v1.30.4-rc.1`; undefined when it is no version. */
export function minorOf(version: string): string | undefined {
  const match = /^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+][0-9A-Za-z.-]+)?$/.exec(version.trim());
  return match ? `${Number(match[1])}.${Number(match[2])}` : undefined;
}

/**
 * Why an image cannot boot machines of `version`, or undefined: an image whose `kube_version`
 * property names another minor carries a kubeadm that cannot make or join such a node. An
 * image without the property is taken at its word.
 */
export function imageVersionMismatch(
  image: { name: string; kube_version?: unknown },
  version: string,
): string | undefined {
  const tagged = image.kube_version;
  if (tagged === undefined || tagged === null || tagged === '') return undefined;
  const wanted = minorOf(version) ?? version;
  if (typeof tagged === 'string' && minorOf(tagged) === wanted) return undefined;
  return (
    `image "${image.name}" has kube_version ${String(tagged)}, but Kubernetes ${version} needs ` +
    `an image for ${wanted}: name one in spec.openstack.image, or put ${VERSION_PLACEHOLDER} in ` +
    `its name so each version finds its own`
  );
}
