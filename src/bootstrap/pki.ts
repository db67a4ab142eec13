// @peculiar/x509 reads decorator metadata when its modules load: reflect-metadata must come first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPrivateKey, randomBytes } from 'node:crypto';

const webcrypto = globalThis.crypto;
x509.cryptoProvider.set(webcrypto);

/**
 * CA keys are ECDSA P-256: kubeadm, kube-apiserver and etcd load ECDSA CAs (PKCS#8 PEM), a key
 * is generated in about a millisecond instead of RSA-2048's tens to hundreds, and keys and
 * certificates are several times smaller, which keeps cloud-init user data far below Nova's
 * 64 KiB limit. kubeadm still issues its own leaf certificates with its default algorithm
 * (RSA-2048); an RSA leaf under an ECDSA CA is ordinary X.509.
 */
const EC_KEY: EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const EC_SIGNING: EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };

/**
 * The service-account key is RSA-2048 (RS256 tokens), as kubeadm makes it by default: every
 * OIDC/JWT verifier must accept RS256, while ES256 support in workload-identity consumers of
 * the cluster's issuer varies.
 */
const RSA_SA_KEY: RsaHashedKeyGenParams = {
  name: 'RSASSA-PKCS1-v1_5',
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: 'SHA-256',
};

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** kubeadm's CA lifetime. */
export const DEFAULT_CA_VALIDITY_MS = 3650 * DAY_MS;
/** Nodes whose clock lags a little must still accept a certificate issued just now. */
const BACKDATE_MS = 5 * 60_000;

/** The CA names kubeadm gives its own CAs, so tooling and people recognise them. */
export const CA_NAMES = {
  cluster: 'kubernetes',
  etcd: 'etcd-ca',
  frontProxy: 'front-proxy-ca',
} as const;

export interface CertificateAuthority {
  certPem: string;
  /** PKCS#8 PEM (`PRIVATE KEY`). */
  keyPem: string;
}

export interface ServiceAccountKeyPair {
  /** PKCS#8 PEM: kube-controller-manager's --service-account-private-key-file. */
  privateKeyPem: string;
  /** SubjectPublicKeyInfo PEM (`PUBLIC KEY`): kube-apiserver's --service-account-key-file. */
  publicKeyPem: string;
}

/** Everything a cluster's control-plane nodes share; kubeadm derives every other certificate. */
export interface ClusterPki {
  ca: CertificateAuthority;
  etcdCa: CertificateAuthority;
  frontProxyCa: CertificateAuthority;
  serviceAccount: ServiceAccountKeyPair;
}

export interface ValidityOptions {
  /** Defaults to the current time. */
  now?: Date;
  validityMs?: number;
}

export interface ClientCertificateRequest extends ValidityOptions {
  commonName: string;
  /** Become the certificate's O attributes, which Kubernetes reads as groups. */
  organizations?: readonly string[];
}

export interface IssuedCertificate {
  certPem: string;
  /** PKCS#8 PEM. */
  keyPem: string;
  notAfter: Date;
}

export async function generateClusterPki(options: ValidityOptions = {}): Promise<ClusterPki> {
  const [ca, etcdCa, frontProxyCa, serviceAccount] = await Promise.all([
    generateCertificateAuthority(CA_NAMES.cluster, options),
    generateCertificateAuthority(CA_NAMES.etcd, options),
    generateCertificateAuthority(CA_NAMES.frontProxy, options),
    generateServiceAccountKeyPair(),
  ]);
  return { ca, etcdCa, frontProxyCa, serviceAccount };
}

/** A self-signed root CA with only a common name, like kubeadm's. */
export async function generateCertificateAuthority(
  commonName: string,
  options: ValidityOptions = {},
): Promise<CertificateAuthority> {
  const keys = await webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify']);
  const { notBefore, notAfter } = validity(options, DEFAULT_CA_VALIDITY_MS);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: [{ CN: [commonName] }],
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: EC_SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign |
          x509.KeyUsageFlags.cRLSign |
          x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: pem(cert.toString('pem')), keyPem: await privateKeyPem(keys.privateKey) };
}

export async function generateServiceAccountKeyPair(): Promise<ServiceAccountKeyPair> {
  const keys = await webcrypto.subtle.generateKey(RSA_SA_KEY, true, ['sign', 'verify']);
  const spki = await webcrypto.subtle.exportKey('spki', keys.publicKey);
  return {
    privateKeyPem: await privateKeyPem(keys.privateKey),
    publicKeyPem: pem(x509.PemConverter.encode(spki, 'PUBLIC KEY')),
  };
}

/** A client certificate (clientAuth only) signed by `ca`, with a fresh ECDSA P-256 key. */
export async function signClientCertificate(
  ca: CertificateAuthority,
  request: ClientCertificateRequest,
): Promise<IssuedCertificate> {
  if (request.commonName.trim() === '') throw new Error('a client certificate needs a common name');
  return signLeaf(ca, {
    what: 'a client certificate',
    // O before CN, the order Go writes: some tools print the subject as-is.
    subject: [
      ...(request.organizations ?? []).map((o) => ({ O: [o] })),
      { CN: [request.commonName] },
    ],
    validity: validity(request, HOUR_MS),
    extensions: [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])],
  });
}

export interface ServingCertificateRequest extends ValidityOptions {
  commonName: string;
  dnsNames?: readonly string[];
  ipAddresses?: readonly string[];
}

/** A TLS server certificate (serverAuth) signed by `ca`, with the names clients dial. */
export async function signServingCertificate(
  ca: CertificateAuthority,
  request: ServingCertificateRequest,
): Promise<IssuedCertificate> {
  const names = [
    ...(request.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(request.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  if (names.length === 0) throw new Error('a serving certificate needs a DNS name or IP address');
  return signLeaf(ca, {
    what: 'a serving certificate',
    subject: [{ CN: [request.commonName] }],
    validity: validity(request, 365 * DAY_MS),
    extensions: [
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
    ],
  });
}

/**
 * A leaf certificate signed by `ca` for a fresh ECDSA P-256 key: not a CA, digital signature
 * only, the CA's key identifier, plus the usage-specific `extensions`.
 */
async function signLeaf(
  ca: CertificateAuthority,
  leaf: {
    what: string;
    subject: x509.JsonName;
    validity: { notBefore: Date; notAfter: Date };
    extensions: x509.Extension[];
  },
): Promise<IssuedCertificate> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importSigningKey(ca.keyPem);
  const keys = await webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify']);
  const { notBefore, notAfter } = leaf.validity;
  if (notAfter > caCert.notAfter) throw new Error(`${leaf.what} cannot outlive its CA`);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: leaf.subject,
    issuer: caCert.subjectName,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: caKey.key,
    signingAlgorithm: caKey.signing,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      ...leaf.extensions,
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  });
  return {
    certPem: pem(cert.toString('pem')),
    keyPem: await privateKeyPem(keys.privateKey),
    notAfter,
  };
}

/**
 * Imports a CA key from PEM for signing: PKCS#8, or the PKCS#1/SEC1 forms kubeadm writes, so
 * CAs that kubeadm generated can be adopted too.
 */
async function importSigningKey(pem: string): Promise<{ key: CryptoKey; signing: Algorithm }> {
  const keyObject = createPrivateKey(pem);
  const pkcs8 = keyObject.export({ type: 'pkcs8', format: 'der' });
  if (keyObject.asymmetricKeyType === 'ec') {
    const curve = EC_CURVES[keyObject.asymmetricKeyDetails?.namedCurve ?? ''];
    if (!curve) throw new Error('unsupported CA key curve');
    const key = await webcrypto.subtle.importKey(
      'pkcs8',
      pkcs8,
      { name: 'ECDSA', namedCurve: curve.name },
      false,
      ['sign'],
    );
    return { key, signing: { name: 'ECDSA', hash: curve.hash } as EcdsaParams };
  }
  if (keyObject.asymmetricKeyType === 'rsa') {
    const algorithm: RsaHashedImportParams = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    const key = await webcrypto.subtle.importKey('pkcs8', pkcs8, algorithm, false, ['sign']);
    return { key, signing: algorithm };
  }
  throw new Error(`unsupported CA key type ${keyObject.asymmetricKeyType ?? 'unknown'}`);
}

const EC_CURVES: Record<string, { name: string; hash: string }> = {
  prime256v1: { name: 'P-256', hash: 'SHA-256' },
  secp384r1: { name: 'P-384', hash: 'SHA-384' },
};

async function privateKeyPem(key: CryptoKey): Promise<string> {
  return pem(
    x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY'),
  );
}

/** Files end with a newline, as openssl and kubeadm write them. */
function pem(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

function validity(
  options: ValidityOptions,
  defaultMs: number,
): { notBefore: Date; notAfter: Date } {
  const now = options.now ?? new Date();
  const validityMs = options.validityMs ?? defaultMs;
  if (!(validityMs > 0)) throw new Error('validity must be positive');
  // X.509 times have whole seconds: truncate so the reported expiry is the certificate's.
  const second = (ms: number) => new Date(Math.floor(ms / 1000) * 1000);
  return {
    notBefore: second(now.getTime() - BACKDATE_MS),
    notAfter: second(now.getTime() + validityMs),
  };
}

/**
 * 126 random bits, unique per certificate (RFC 5280). The first byte is 0x40-0x7f: positive,
 * and never a leading zero, which Go's strict DER parser would reject as non-minimal.
 */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x3f) | 0x40;
  return bytes.toString('hex');
}
