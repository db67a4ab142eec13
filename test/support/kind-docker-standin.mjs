#!/usr/bin/env node
// A recording stand-in for the `kind` and `docker` CLIs, for tests on machines without a Docker
// engine. Invoked as `kind-docker-standin.mjs <kind|docker> <args...>` (test/support/cli-standin.ts
// puts wrappers named `kind` and `docker` on PATH). It appends every call to calls.jsonl, keeps
// clusters, containers and files in state.json (both in KAAS_STANDIN_DIR), refuses flags the
// real CLIs do not have with their exit codes and messages, and prints what they print for the
// subcommands kaas uses.
import { appendFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import { join } from 'node:path';
import process from 'node:process';
import { parse } from 'yaml';
import { acquireStateLock } from './state-lock.mjs';

const dir = process.env.KAAS_STANDIN_DIR;
if (!dir) {
  process.stderr.write('KAAS_STANDIN_DIR is not set\n');
  process.exit(2);
}
const statePath = join(dir, 'state.json');
const [tool, ...args] = process.argv.slice(2);
const stdin = readStdin();
appendFileSync(
  join(dir, 'calls.jsonl'),
  JSON.stringify({ tool, args, ...(stdin ? { stdin } : {}) }) + '\n',
);
// Held from reading the state to writing it back; process.exit runs the exit handlers.
process.on('exit', acquireStateLock(dir));
const state = JSON.parse(readFileSync(statePath, 'utf8'));

class Exit extends Error {
  constructor(code, stderr = '', stdout = '') {
    super(stderr);
    this.code = code;
    this.stderr = stderr;
    this.stdout = stdout;
  }
}

function readStdin() {
  try {
    return readFileSync(0, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Splits flags from positional arguments. `spec` maps each accepted flag (long and short
 * spellings) to whether it takes a value; anything else is refused as the real CLI refuses it.
 * `stopAtFirstPositional` mirrors commands whose first positional starts the command to run.
 */
function parseFlags(argv, spec, refuse, stopAtFirstPositional = false) {
  const flags = {};
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (positional.length > 0 && stopAtFirstPositional) {
      positional.push(arg);
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.split(/=(.*)/s, 2);
    if (!(name in spec)) refuse(name);
    const canonical = spec[name].name;
    let value = true;
    if (spec[name].value) {
      value = inline ?? argv[++i];
      if (value === undefined) throw new Exit(1, `flag needs an argument: ${name}\n`);
    }
    (flags[canonical] ??= []).push(value);
  }
  return { flags, positional };
}

function flagSpec(entries) {
  const spec = {};
  for (const [names, value] of entries) {
    const list = names.split(',');
    for (const n of list) spec[n] = { name: list[0], value };
  }
  return spec;
}

// ---------------------------------------------------------------------------------------- kind

const KIND_GLOBAL = [
  ['--verbosity,-v', true],
  ['--quiet,-q', false],
  ['--help,-h', false],
];
const KIND_FLAGS = {
  version: [],
  'get clusters': [],
  'get nodes': [['--name', true]],
  'get kubeconfig': [
    ['--name', true],
    ['--internal', false],
  ],
  'create cluster': [
    ['--name,-n', true],
    ['--config', true],
    ['--image', true],
    ['--kubeconfig', true],
    ['--retain', false],
    ['--wait', true],
  ],
  'delete cluster': [
    ['--name,-n', true],
    ['--kubeconfig', true],
  ],
};

function kind(argv) {
  const words = argv.filter((a) => !a.startsWith('-'));
  const command = words[0] === 'version' ? 'version' : words.slice(0, 2).join(' ');
  if (!(command in KIND_FLAGS))
    throw new Exit(1, `ERROR: unknown command "${command}" for "kind"\n`);
  const { flags } = parseFlags(
    argv.filter((a) => !command.split(' ').includes(a)),
    flagSpec([...KIND_GLOBAL, ...KIND_FLAGS[command]]),
    (name) => {
      throw new Exit(1, `ERROR: unknown flag: ${name}\n`);
    },
  );
  const name = flags['--name']?.[0] ?? 'kind';
  switch (command) {
    case 'version':
      return `kind v${state.versions.kind} go1.26.2 linux/amd64\n`;
    case 'get clusters': {
      const names = Object.keys(state.clusters).sort();
      if (names.length === 0) throw new Exit(0, 'No kind clusters found.\n');
      return names.map((n) => `${n}\n`).join('');
    }
    case 'get nodes':
      return kindNodes(name)
        .map((c) => `${c.name}\n`)
        .join('');
    case 'get kubeconfig':
      if (!state.clusters[name]) {
        throw new Exit(
          1,
          `ERROR: could not locate any control plane nodes for cluster named '${name}'. Use the --name option to select a different cluster\n`,
        );
      }
      return kubeconfig(name);
    case 'create cluster':
      return createCluster(name, flags);
    case 'delete cluster':
      return deleteCluster(name);
  }
  throw new Exit(1, 'unreachable\n');
}

function kindNodes(name) {
  return Object.values(state.containers).filter((c) => c.labels['io.x-k8s.kind.cluster'] === name);
}

function kubeconfig(name) {
  const cluster = state.clusters[name];
  return [
    'apiVersion: v1',
    'clusters:',
    '- cluster:',
    `    certificate-authority-data: ${Buffer.from(state.caPem).toString('base64')}`,
    `    server: ${state.apiServer ?? `https://127.0.0.1:${cluster.port}`}`,
    `  name: kind-${name}`,
    'contexts:',
    '- context:',
    `    cluster: kind-${name}`,
    `    user: kind-${name}`,
    `  name: kind-${name}`,
    `current-context: kind-${name}`,
    'kind: Config',
    'preferences: {}',
    'users:',
    `- name: kind-${name}`,
    '  user:',
    `    token: ${state.apiToken ?? 'standin'}`,
    '',
  ].join('\n');
}

const CONFIG_FIELDS = [
  'kind',
  'apiVersion',
  'name',
  'nodes',
  'networking',
  'featureGates',
  'runtimeConfig',
  'kubeadmConfigPatches',
  'kubeadmConfigPatchesJSON6902',
  'containerdConfigPatches',
  'containerdConfigPatchesJSON6902',
];
const NODE_FIELDS = [
  'role',
  'image',
  'labels',
  'extraMounts',
  'extraPortMappings',
  'kubeadmConfigPatches',
  'kubeadmConfigPatchesJSON6902',
];
const NETWORKING_FIELDS = [
  'ipFamily',
  'apiServerAddress',
  'apiServerPort',
  'podSubnet',
  'serviceSubnet',
  'disableDefaultCNI',
  'kubeProxyMode',
  'dnsSearch',
];

/** kind reads its config strictly: an unknown field is an error, as are bad roles. */
function loadConfig(path) {
  const config = parse(readFileSync(path, 'utf8'));
  const fail = (message) => {
    throw new Exit(1, `ERROR: failed to create cluster: ${message}\n`);
  };
  if (config.kind !== 'Cluster' || config.apiVersion !== 'kind.x-k8s.io/v1alpha4')
    fail(`unknown apiVersion "${config.apiVersion}" or kind "${config.kind}"`);
  const unknown = (object, known) => Object.keys(object ?? {}).find((k) => !known.includes(k));
  const top = unknown(config, CONFIG_FIELDS);
  if (top) fail(`error converting config: json: unknown field "${top}"`);
  const net = unknown(config.networking, NETWORKING_FIELDS);
  if (net) fail(`error converting config: json: unknown field "${net}"`);
  for (const node of config.nodes ?? []) {
    const field = unknown(node, NODE_FIELDS);
    if (field) fail(`error converting config: json: unknown field "${field}"`);
    if (!['control-plane', 'worker'].includes(node.role))
      fail(`invalid configuration: role "${node.role}" is not supported`);
    for (const patch of node.kubeadmConfigPatches ?? []) parse(patch);
  }
  if (!(config.nodes ?? []).some((n) => n.role === 'control-plane'))
    fail('invalid configuration: must have at least one control-plane node');
  return config;
}

function createCluster(flagName, flags) {
  const config = flags['--config'] ? loadConfig(flags['--config'][0]) : { nodes: [] };
  const name = flags['--name']?.[0] ?? config.name ?? 'kind';
  if (state.clusters[name] || kindNodes(name).length > 0) {
    throw new Exit(
      1,
      `ERROR: failed to create cluster: node(s) already exist for a cluster with the name "${name}"\n`,
    );
  }
  if (state.failNext === 'create') {
    delete state.failNext;
    throw new Exit(1, `ERROR: failed to create cluster: failed to init node with kubeadm\n`);
  }
  state.networks.kind ??= { name: 'kind' };
  const counters = {};
  const nodes = config.nodes.length > 0 ? config.nodes : [{ role: 'control-plane' }];
  for (const node of nodes) {
    const n = (counters[node.role] = (counters[node.role] ?? 0) + 1);
    addContainer(`${name}-${node.role}${n === 1 ? '' : n}`, node.image ?? 'kindest/node:v1.37.0', {
      'io.x-k8s.kind.cluster': name,
      'io.x-k8s.kind.role': node.role,
    });
    state.containers[`${name}-${node.role}${n === 1 ? '' : n}`].joined = true;
  }
  if ((counters['control-plane'] ?? 0) > 1) {
    addContainer(`${name}-external-load-balancer`, 'docker.io/kindest/haproxy:v20260801', {
      'io.x-k8s.kind.cluster': name,
      'io.x-k8s.kind.role': 'external-load-balancer',
    });
  }
  state.clusters[name] = { port: 40000 + Object.keys(state.clusters).length, config };
  if (flags['--kubeconfig']) writeFileSync(flags['--kubeconfig'][0], kubeconfig(name));
  throw new Exit(
    0,
    `Creating cluster "${name}" ...\n ✓ Ensuring node image\n ✓ Preparing nodes\n ✓ Writing configuration\n ✓ Starting control-plane\n ✓ Installing CNI\n ✓ Installing StorageClass\n ✓ Joining worker nodes\nSet kubectl context to "kind-${name}"\n`,
  );
}

function deleteCluster(name) {
  for (const c of kindNodes(name)) delete state.containers[c.name];
  delete state.clusters[name];
  throw new Exit(0, `Deleting cluster "${name}" ...\n`);
}

function addContainer(name, image, labels) {
  state.containers[name] = {
    name,
    id: Buffer.from(name).toString('hex').padEnd(64, '0').slice(0, 64),
    image,
    state: 'running',
    labels,
    files: {},
    joined: false,
  };
}

// -------------------------------------------------------------------------------------- docker

const DOCKER_FLAGS = {
  version: [['--format,-f', true]],
  ps: [
    ['--all,-a', false],
    ['--filter,-f', true],
    ['--format', true],
    ['--no-trunc', false],
    ['--quiet,-q', false],
    ['--last,-n', true],
    ['--latest,-l', false],
    ['--size,-s', false],
  ],
  run: [
    ['--detach,-d', false],
    ['--tty,-t', false],
    ['--interactive,-i', false],
    ['--name', true],
    ['--hostname,-h', true],
    ['--network,--net', true],
    ['--label,-l', true],
    ['--privileged', false],
    ['--security-opt', true],
    ['--cgroupns', true],
    ['--tmpfs', true],
    ['--volume,-v', true],
    ['--env,-e', true],
    ['--restart', true],
    ['--init', false],
    ['--rm', false],
    ['--publish,-p', true],
    ['--device', true],
  ],
  exec: [
    ['--interactive,-i', false],
    ['--tty,-t', false],
    ['--detach,-d', false],
    ['--env,-e', true],
    ['--user,-u', true],
    ['--workdir,-w', true],
    ['--privileged', false],
  ],
  rm: [
    ['--force,-f', false],
    ['--volumes,-v', false],
    ['--link,-l', false],
  ],
  inspect: [
    ['--format,-f', true],
    ['--type', true],
    ['--size,-s', false],
  ],
  info: [['--format,-f', true]],
  'network ls': [
    ['--filter,-f', true],
    ['--format', true],
    ['--quiet,-q', false],
    ['--no-trunc', false],
  ],
  'network inspect': [['--format,-f', true]],
  'network create': [
    ['--driver,-d', true],
    ['--opt,-o', true],
    ['--ipv6', false],
    ['--subnet', true],
    ['--gateway', true],
    ['--label', true],
  ],
  pull: [
    ['--quiet,-q', false],
    ['--platform', true],
  ],
};

function docker(argv) {
  if (argv[0] === '-v' || argv[0] === '--version')
    return `Docker version ${state.versions.docker}, build 0a1b2c3\n`;
  const network = argv[0] === 'network';
  const command = network ? `network ${argv[1]}` : argv[0];
  const rest = argv.slice(network ? 2 : 1);
  if (!(command in DOCKER_FLAGS)) {
    throw new Exit(
      1,
      `docker: unknown command: docker ${command}\n\nRun 'docker --help' for more information\n`,
    );
  }
  const { flags, positional } = parseFlags(
    rest,
    flagSpec(DOCKER_FLAGS[command]),
    (name) => {
      throw new Exit(125, `unknown flag: ${name}\nSee 'docker ${command} --help'.\n`);
    },
    command === 'run' || command === 'exec',
  );
  if (!state.engineUp) {
    throw new Exit(
      1,
      'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n',
    );
  }
  switch (command) {
    case 'version':
      return (
        render(flags['--format']?.[0] ?? '{{.Server.Version}}', {
          Server: { Version: state.versions.docker },
          Client: { Version: state.versions.docker },
        }) + '\n'
      );
    case 'ps':
      return ps(flags);
    case 'run':
      return run(flags, positional);
    case 'exec':
      return exec(flags, positional);
    case 'rm':
      return rm(flags, positional);
    case 'inspect':
      return flags['--type']?.[0] === 'image'
        ? inspectImage(positional)
        : inspect(flags, positional);
    case 'info':
      return info(flags);
    case 'pull':
      return pull(positional);
    case 'network ls':
    case 'network inspect':
    case 'network create':
      return networkCommand(command, flags, positional);
  }
  throw new Exit(1, 'unreachable\n');
}

/** The Go template subset kaas uses: `{{.Field}}`, `{{.A.B}}` and `{{.Label "key"}}`. */
function render(template, object) {
  return template.replace(/\{\{\s*(.*?)\s*\}\}/g, (_, expression) => {
    const label = /^\.Label "([^"]+)"$/.exec(expression);
    if (label) return object.Labels?.[label[1]] ?? '';
    if (!/^(\.[A-Za-z]+)+$/.test(expression))
      throw new Exit(1, `template parsing error: unexpected "${expression}"\n`);
    let value = object;
    for (const key of expression.slice(1).split('.')) {
      if (value === undefined || !(key in value))
        throw new Exit(1, `template: :1: can't evaluate field ${key}\n`);
      value = value[key];
    }
    return String(value);
  });
}

function ps(flags) {
  const filters = (flags['--filter'] ?? []).map((f) => {
    const match = /^label=([^=]+)(?:=(.*))?$/.exec(f);
    if (!match) throw new Exit(1, `invalid filter '${f}'\n`);
    return { key: match[1], value: match[2] };
  });
  const rows = Object.values(state.containers)
    .filter((c) => flags['--all'] || c.state === 'running')
    .filter((c) =>
      filters.every(
        (f) => f.key in c.labels && (f.value === undefined || c.labels[f.key] === f.value),
      ),
    )
    .sort((a, b) => a.name.localeCompare(b.name));
  if (flags['--quiet']) return rows.map((c) => `${c.id.slice(0, 12)}\n`).join('');
  const template = flags['--format']?.[0];
  if (!template) throw new Exit(1, 'the stand-in prints only --format or --quiet listings\n');
  return rows
    .map(
      (c) =>
        render(template, {
          Names: c.name,
          State: c.state,
          Image: c.image,
          ID: flags['--no-trunc'] ? c.id : c.id.slice(0, 12),
          Labels: c.labels,
        }) + '\n',
    )
    .join('');
}

function run(flags, positional) {
  const [image] = positional;
  if (!image) throw new Exit(125, '"docker run" requires at least 1 argument.\n');
  const name = flags['--name']?.[0];
  if (name && state.containers[name]) {
    throw new Exit(
      125,
      `docker: Error response from daemon: Conflict. The container name "/${name}" is already in use by container "${state.containers[name].id}". You have to remove (or rename) that container to be able to reuse that name.\n`,
    );
  }
  const network = flags['--network']?.[0];
  if (network && !state.networks[network])
    throw new Exit(125, `docker: Error response from daemon: network ${network} not found.\n`);
  if (
    !/^[a-z0-9./-]+:v\d+\.\d+\.\d+@sha256:[0-9a-f]{64}$/.test(image) &&
    !state.images?.includes(image)
  ) {
    throw new Exit(
      125,
      `Unable to find image '${image}' locally\ndocker: Error response from daemon: manifest unknown.\n`,
    );
  }
  const labels = Object.fromEntries(
    (flags['--label'] ?? []).map((l) => {
      const [k, v = ''] = l.split(/=(.*)/s, 2);
      return [k, v];
    }),
  );
  const containerName = name ?? `standin_${Object.keys(state.containers).length}`;
  addContainer(containerName, image, labels);
  state.containers[containerName].runFlags = flags;
  return `${state.containers[containerName].id}\n`;
}

function exec(flags, positional) {
  const [name, ...command] = positional;
  const container = state.containers[name];
  if (!container) throw new Exit(1, `Error response from daemon: No such container: ${name}\n`);
  if (container.state !== 'running')
    throw new Exit(1, `Error response from daemon: container ${container.id} is not running\n`);
  const [program, ...argv] = command;
  switch (program) {
    case 'systemctl':
      return 'running\n';
    case 'test':
      if (argv[0] === '-f' && argv[1] === '/etc/kubernetes/kubelet.conf' && container.joined)
        return '';
      if (argv[0] === '-f' && argv[1] in container.files) return '';
      throw new Exit(1);
    case 'mkdir':
    case 'chmod':
    case 'chown':
      return '';
    case 'tee':
      if (!flags['--interactive']) return '';
      container.files[argv[0]] = stdin;
      return stdin;
    case 'kubeadm':
      return kubeadm(container, argv);
    default:
      throw new Exit(
        127,
        `OCI runtime exec failed: exec failed: unable to start container process: exec: "${program}": executable file not found in $PATH: unknown\n`,
      );
  }
}

function kubeadm(container, argv) {
  if (argv[0] === 'reset') {
    container.joined = false;
    return '[reset] Deleted contents of the etcd data directory\n';
  }
  if (argv[0] === 'join' && argv[1] === '--config') {
    if (state.failNext === 'join') {
      delete state.failNext;
      throw new Exit(
        1,
        'error execution phase kubelet-start: timed out waiting for the condition\n',
        '[preflight] Running pre-flight checks\n',
      );
    }
    const config = container.files[argv[2]];
    if (!config)
      throw new Exit(
        1,
        `error execution phase preflight: unable to read config from "${argv[2]}"\n`,
      );
    if (!/kind: JoinConfiguration/.test(config))
      throw new Exit(1, 'no JoinConfiguration found in the config\n');
    container.joined = true;
    return 'This node has joined the cluster\n';
  }
  throw new Exit(1, `unknown kubeadm invocation ${argv.join(' ')}\n`);
}

function rm(flags, positional) {
  if (positional.length === 0) throw new Exit(1, '"docker rm" requires at least 1 argument.\n');
  const missing = [];
  for (const name of positional) {
    if (state.containers[name]) delete state.containers[name];
    else missing.push(name);
  }
  const removed = positional.filter((n) => !missing.includes(n));
  if (missing.length > 0 && !flags['--force']) {
    throw new Exit(
      1,
      missing.map((n) => `Error response from daemon: No such container: ${n}\n`).join(''),
      removed.map((n) => `${n}\n`).join(''),
    );
  }
  return removed.map((n) => `${n}\n`).join('');
}

/** What `docker info --format '{{json .}}'` holds of what kind reads. */
function info(flags) {
  const info = {
    ServerVersion: state.versions.docker,
    Driver: 'overlay2',
    DriverStatus: [['Backing Filesystem', 'extfs']],
    CgroupDriver: 'systemd',
    CgroupVersion: '2',
    MemoryLimit: true,
    PidsLimit: true,
    CPUShares: true,
    SecurityOptions: ['name=seccomp,profile=builtin', 'name=cgroupns'],
  };
  const format = (flags['--format']?.[0] ?? '{{json .}}').replace(/^'(.*)'$/, '$1');
  const json = /^\{\{\s*json \.(\w*)\s*\}\}$/.exec(format);
  if (json) return JSON.stringify(json[1] ? info[json[1]] : info) + '\n';
  return render(format, info) + '\n';
}

/** Only images pulled before (state.images) are present; nothing can be pulled here. */
function inspectImage(positional) {
  const image = positional[0];
  if (!state.images?.includes(image)) throw new Exit(1, `Error: No such image: ${image}\n`, '[]\n');
  return JSON.stringify([{ RepoDigests: [image] }]) + '\n';
}

function networkCommand(command, flags, positional) {
  const id = (name) => Buffer.from(name).toString('hex').padEnd(12, '0').slice(0, 12);
  if (command === 'network ls') {
    const filter = /^name=\^?([^$]*)\$?$/.exec(flags['--filter']?.[0] ?? '')?.[1];
    return Object.keys(state.networks)
      .filter((n) => filter === undefined || n === filter)
      .map((n) => `${id(n)}\n`)
      .join('');
  }
  const [name] = positional;
  if (command === 'network create') {
    if (state.networks[name])
      throw new Exit(1, `Error response from daemon: network with name ${name} already exists\n`);
    state.networks[name] = { name };
    return `${id(name)}\n`;
  }
  if (name === 'bridge') return '1500\n';
  if (!state.networks[name])
    throw new Exit(1, `Error response from daemon: network ${name} not found\n`);
  return `${JSON.stringify([{ Name: name }])}\n`;
}

function pull(positional) {
  const [reference] = positional;
  const digest = reference?.split('@')[1];
  throw new Exit(
    1,
    `Error response from daemon: manifest for ${reference?.split(':')[0]}@${digest} not found: manifest unknown: manifest unknown\n`,
  );
}

function inspect(flags, positional) {
  const found = positional.map((n) => state.containers[n]);
  const missing = positional.filter((_, i) => !found[i]);
  const objects = found.filter(Boolean).map((c) => ({
    Id: c.id,
    Name: `/${c.name}`,
    State: { Status: c.state, Running: c.state === 'running' },
    Config: { Image: c.image, Labels: c.labels, Hostname: c.name },
  }));
  const out = flags['--format']
    ? objects.map((o) => render(flags['--format'][0], o) + '\n').join('')
    : JSON.stringify(objects, null, 4) + '\n';
  if (missing.length > 0) throw new Exit(1, `Error: No such object: ${missing[0]}\n`, out);
  return out;
}

/** Replaced whole, so that a reader (the fake tenant API) never sees half a file. */
function saveState() {
  writeFileSync(`${statePath}.${process.pid}`, JSON.stringify(state, null, 2));
  renameSync(`${statePath}.${process.pid}`, statePath);
}

// Last, so every table above is initialised before a command reads it.
try {
  const out = tool === 'kind' ? kind(args) : docker(args);
  saveState();
  process.stdout.write(out);
  process.exit(0);
} catch (error) {
  if (!(error instanceof Exit)) throw error;
  saveState();
  process.stdout.write(error.stdout);
  process.stderr.write(error.stderr);
  process.exit(error.code);
}
