import { isIP } from 'node:net';

/** A control-plane endpoint as kubeadm takes it: `host:port`, IPv6 hosts in brackets. */
export interface Endpoint {
  host: string;
  port: number;
}

const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/i;

export function parseEndpoint(endpoint: string): Endpoint {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(endpoint);
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535) {
    throw new Error(`control-plane endpoint "${endpoint}" must be host:port`);
  }
  const rawHost = match[1]!;
  const host = rawHost.startsWith('[') ? rawHost.slice(1, -1) : rawHost;
  if (rawHost.startsWith('[') ? isIP(host) !== 6 : isIP(host) !== 4 && !DNS_NAME.test(host)) {
    throw new Error(`control-plane endpoint "${endpoint}" has an invalid host`);
  }
  return { host, port };
}

export function formatEndpoint({ host, port }: Endpoint): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

export function serverUrl(endpoint: string): string {
  return `https://${formatEndpoint(parseEndpoint(endpoint))}`;
}
