import { z } from 'zod';
import { plainText } from '../../domain/names.js';

/** How kaas signs in to a cloud: an application credential (preferred) or a user's password. */
export const applicationCredentialSchema = z.strictObject({
  type: z.literal('applicationCredential'),
  id: plainText(1, 64),
  secret: plainText(1, 1024),
});

export const passwordCredentialSchema = z.strictObject({
  type: z.literal('password'),
  username: plainText(1, 255),
  password: plainText(1, 1024),
  userDomainName: plainText(1, 255).default('Default'),
  projectName: plainText(1, 255),
  projectDomainName: plainText(1, 255).default('Default'),
});

export const cloudCredentialsSchema = z.discriminatedUnion('type', [
  applicationCredentialSchema,
  passwordCredentialSchema,
]);
export type CloudCredentials = z.output<typeof cloudCredentialsSchema>;

export const ENDPOINT_INTERFACES = ['public', 'internal', 'admin'] as const;
export type EndpointInterface = (typeof ENDPOINT_INTERFACES)[number];

/** Everything needed to reach one cloud; the credentials are the decrypted secret. */
export interface CloudConnection {
  /** Keystone v3, e.g. `https://keystone.example.com:5000/v3`. */
  authUrl: string;
  region: string;
  interface: EndpointInterface;
  credentials: CloudCredentials;
  /** PEM bundle trusted for this cloud's endpoints, beside the system's. */
  caBundle?: string;
}
