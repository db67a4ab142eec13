import { z } from 'zod';
import { dnsLabel, plainText } from '../../domain/names.js';
import { cloudCredentialsSchema, ENDPOINT_INTERFACES } from '../../providers/openstack/cloud.js';

const timestamp = z.iso.datetime();

export const CloudCreateRequest = z
  .strictObject({
    name: dnsLabel(63),
    authUrl: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .meta({ description: 'Keystone v3, e.g. https://keystone.example.com:5000/v3' }),
    region: plainText(1, 255).default('RegionOne'),
    interface: z.enum(ENDPOINT_INTERFACES).default('public'),
    credentials: cloudCredentialsSchema.meta({
      description:
        'An application credential (preferred) or a user with a password and a project; stored encrypted, never returned',
    }),
    caBundle: z
      .string()
      .max(65_536)
      // A NUL is refused by the server before validation; the schema says so too.
      // eslint-disable-next-line no-control-regex
      .regex(/^[^\u0000]*-----BEGIN CERTIFICATE-----[^\u0000]*$/, 'a PEM bundle of CA certificates')
      .optional(),
  })
  .meta({ id: 'CloudCreateRequest' });

export const CloudSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    authUrl: z.string(),
    region: z.string(),
    interface: z.enum(ENDPOINT_INTERFACES),
    credentialType: z.enum(['applicationCredential', 'password']),
    hasCaBundle: z.boolean(),
    grantedProjects: z
      .array(z.string())
      .optional()
      .meta({ description: 'Projects that may use the cloud (shown to platform administrators)' }),
    createdAt: timestamp,
  })
  .meta({ id: 'Cloud', description: 'An OpenStack cloud clusters can be built on' });

export const CloudListSchema = z.object({ items: z.array(CloudSchema) }).meta({ id: 'CloudList' });

export type CloudView = z.output<typeof CloudSchema>;
