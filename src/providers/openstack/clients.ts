import { BarbicanClient } from './barbican.js';
import { GlanceClient } from './glance.js';
import { KeystoneSession } from './keystone.js';
import { NeutronClient } from './neutron.js';
import { NovaClient } from './nova.js';
import { OctaviaClient } from './octavia.js';

/** One client per service over one signed-in session. */
export interface OpenStackClients {
  session: KeystoneSession;
  nova: NovaClient;
  neutron: NeutronClient;
  octavia: OctaviaClient;
  glance: GlanceClient;
  barbican: BarbicanClient;
}

export function openstackClients(session: KeystoneSession): OpenStackClients {
  return {
    session,
    nova: new NovaClient(session),
    neutron: new NeutronClient(session),
    octavia: new OctaviaClient(session),
    glance: new GlanceClient(session),
    barbican: new BarbicanClient(session),
  };
}
