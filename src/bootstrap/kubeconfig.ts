import { serverUrl } from './endpoint.js';
import { signClientCertificate, type CertificateAuthority } from './pki.js';
import { toYaml } from './yaml.js';

/** Shows up as the user in the tenant's audit log, so kaas's own actions are recognisable. */
export const ADMIN_COMMON_NAME = 'kaas-admin';

/**
 * kubeadm ≥ 1.29 gives admin.conf this group, bound to cluster-admin by a ClusterRoleBinding
 * that kubeadm init creates; unlike `system:masters` (kept for kubeadm's break-glass
 * super-admin.conf) it goes through RBAC, so deleting the binding revokes every certificate.
 * Clusters not made by kubeadm (kwok) lack that binding and must pass `system:masters`.
 */
export const ADMIN_GROUP = 'kubeadm:cluster-admins';

/** Certificates cannot be revoked individually: keep them short-lived. */
export const DEFAULT_ADMIN_VALIDITY_MS = 60 * 60_000;

export interface AdminKubeconfigRequest {
  clusterName: string;
  /** The API load balancer, `host:port`. */
  endpoint: string;
  ca: CertificateAuthority;
  validityMs?: number;
  groups?: readonly string[];
  now?: Date;
}

export interface AdminKubeconfig {
  kubeconfig: string;
  expiresAt: Date;
}

/** Signs a fresh admin client certificate and wraps it in a kubeconfig. */
export async function createAdminKubeconfig(
  request: AdminKubeconfigRequest,
): Promise<AdminKubeconfig> {
  const client = await signClientCertificate(request.ca, {
    commonName: ADMIN_COMMON_NAME,
    organizations: request.groups ?? [ADMIN_GROUP],
    validityMs: request.validityMs ?? DEFAULT_ADMIN_VALIDITY_MS,
    ...(request.now ? { now: request.now } : {}),
  });
  const kubeconfig = renderKubeconfig({
    clusterName: request.clusterName,
    server: serverUrl(request.endpoint),
    caCertPem: request.ca.certPem,
    userName: `${ADMIN_COMMON_NAME}@${request.clusterName}`,
    clientCertPem: client.certPem,
    clientKeyPem: client.keyPem,
  });
  return { kubeconfig, expiresAt: client.notAfter };
}

export interface KubeconfigParts {
  clusterName: string;
  /** `https://host:port`. */
  server: string;
  caCertPem: string;
  userName: string;
  clientCertPem: string;
  clientKeyPem: string;
}

/** One cluster, one user, one context — the shape kubeadm's admin.conf has. */
export function renderKubeconfig(parts: KubeconfigParts): string {
  const contextName = parts.userName;
  return toYaml({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: parts.clusterName,
        cluster: { server: parts.server, 'certificate-authority-data': base64(parts.caCertPem) },
      },
    ],
    users: [
      {
        name: parts.userName,
        user: {
          'client-certificate-data': base64(parts.clientCertPem),
          'client-key-data': base64(parts.clientKeyPem),
        },
      },
    ],
    contexts: [
      { name: contextName, context: { cluster: parts.clusterName, user: parts.userName } },
    ],
    'current-context': contextName,
    preferences: {},
  });
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}
