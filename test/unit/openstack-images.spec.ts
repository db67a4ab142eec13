import { describe, expect, it } from '@jest/globals';
import {
  imageForVersion,
  imageVersionMismatch,
  minorOf,
} from '../../src/providers/openstack/images.js';

describe('the image of a machine version', () => {
  it('replaces {version} with the full version, every time it appears', () => {
    expect(imageForVersion('ubuntu-22.04-kube-v{version}', '1.37.2')).toBe(
      'ubuntu-22.04-kube-v1.37.2',
    );
    expect(imageForVersion('k{version}/{version}', 'v1.36.3')).toBe('k1.36.3/1.36.3');
  });

  it('leaves an image without the placeholder, or an id, as it is', () => {
    expect(imageForVersion('ubuntu-22.04-kube', '1.37.2')).toBe('ubuntu-22.04-kube');
    expect(imageForVersion('4d499a5b-0f91-4f3a-a41c-2104db125323', '1.37.2')).toBe(
      '4d499a5b-0f91-4f3a-a41c-2104db125323',
    );
  });
});

describe('an image tagged with kube_version', () => {
  it('reads the minor of the forms images carry', () => {
    expect(minorOf('v1.30.4')).toBe('1.30');
    expect(minorOf('1.30.4')).toBe('1.30');
    expect(minorOf('1.30')).toBe('1.30');
    expect(minorOf('v1.37.0-rc.1')).toBe('1.37');
    expect(minorOf('latest')).toBeUndefined();
  });

  it('matches a machine of the same minor, whatever the patch or the leading v', () => {
    expect(imageVersionMismatch({ name: 'i', kube_version: 'v1.37.0' }, '1.37.2')).toBeUndefined();
    expect(imageVersionMismatch({ name: 'i', kube_version: '1.37.2' }, '1.37.2')).toBeUndefined();
  });

  it('refuses another minor, naming the image, its kube_version and the version needed', () => {
    expect(
      imageVersionMismatch(
        { name: 'ubuntu-22.04-kube-v1.30.4', kube_version: 'v1.30.4' },
        '1.37.2',
      ),
    ).toMatch(
      /^image "ubuntu-22\.04-kube-v1\.30\.4" has kube_version v1\.30\.4, but Kubernetes 1\.37\.2 needs an image for 1\.37/,
    );
    expect(imageVersionMismatch({ name: 'i', kube_version: 'latest' }, '1.37.2')).toMatch(
      /has kube_version latest/,
    );
  });

  it('accepts an image that does not say which Kubernetes it carries', () => {
    expect(imageVersionMismatch({ name: 'i' }, '1.37.2')).toBeUndefined();
    expect(imageVersionMismatch({ name: 'i', kube_version: '' }, '1.37.2')).toBeUndefined();
  });
});
