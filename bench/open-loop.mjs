// An open-loop load generator for latency at a fixed rate: requests are due at fixed instants
// (start + i / rate) whether or not earlier answers came back, and each latency counts from the
// instant its request was due, so a stall of the server (or of this process) shows in the tail
// instead of silently delaying the next requests. It allocates little per request (one
// pre-built request, answers parsed in place), so its own garbage collection stays out of the
// figures. Run in a process of its own (`loadAtFixedRate` forks it), so that nothing else the
// benchmark does shares its event loop.
// Usage: node bench/open-loop.mjs --url http://127.0.0.1:8080/path [--rate 1000]
//        [--duration 10] [--connections 32] [--header "authorization: Bearer x"]
import { fork } from 'node:child_process';
import { Buffer } from 'node:buffer';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * Forks this script and resolves its result: requests sent and answered, answers other than 200
 * (`failed`), the answers' body sizes, the achieved rate, and latency percentiles in ms.
 */
export function loadAtFixedRate({ url, rate, duration, connections = 32, headers = {} }) {
  const argv = ['--url', url, '--rate', String(rate), '--duration', String(duration)];
  argv.push('--connections', String(connections));
  for (const [name, value] of Object.entries(headers)) argv.push('--header', `${name}: ${value}`);
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), argv, {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    let result;
    child.on('message', (message) => (result = message));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 && result
        ? resolve(result)
        : reject(new Error(`open-loop load exited with ${code}`)),
    );
  });
}

function parseArgs(argv) {
  const out = { rate: 1000, duration: 10, connections: 32, headers: [] };
  for (let i = 0; i < argv.length; i += 2) {
    const [key, value] = [argv[i].replace(/^--/, ''), argv[i + 1]];
    if (key === 'header') out.headers.push(value);
    else if (key === 'url') out.url = value;
    else if (key in out) out[key] = Number(value);
    else throw new Error(`unknown option --${key}`);
  }
  if (!out.url) throw new Error('--url is required');
  return out;
}

/** One keep-alive connection; answers come back in order, one request in flight at a time. */
class Connection {
  constructor(host, port, onAnswer, onFailure) {
    this.busy = false;
    this.due = 0;
    this.chunks = [];
    this.buffered = 0;
    this.socket = net.connect({ host, port, noDelay: true });
    this.socket.on('data', (chunk) => this.receive(chunk, onAnswer));
    this.socket.on('error', onFailure);
    this.socket.on('close', () => this.busy && onFailure(new Error('connection closed')));
  }

  send(request, due) {
    this.busy = true;
    this.due = due;
    this.socket.write(request);
  }

  /** Waits for the header block, then for Content-Length bytes of body. */
  receive(chunk, onAnswer) {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const data = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks, this.buffered);
    const headerEnd = data.indexOf(HEADER_END);
    if (headerEnd < 0) return;
    const head = data.toString('latin1', 0, headerEnd);
    const declared = /\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1];
    // Every answer measured here has a length; a chunked one would be misread, so it stops the run.
    if (declared === undefined) throw new Error(`an answer without Content-Length: ${head}`);
    const length = Number(declared);
    const total = headerEnd + 4 + length;
    if (data.length < total) return;
    if (data.length > total) throw new Error('an answer came that nobody asked for');
    this.chunks = [];
    this.buffered = 0;
    this.busy = false;
    onAnswer(this, head.slice(9, 12), length, this.due);
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const target = new URL(opts.url);
  const request = Buffer.from(
    [
      `GET ${target.pathname}${target.search} HTTP/1.1`,
      `host: ${target.host}`,
      ...opts.headers,
      '',
      '',
    ].join('\r\n'),
  );
  const total = Math.round(opts.rate * opts.duration);
  const latencies = new Float64Array(total);
  const idle = [];
  const waiting = []; // due instants of requests with no free connection yet
  let answered = 0;
  let failed = 0;
  let start = 0;
  let sent = 0;
  let finish;
  const done = new Promise((resolve) => (finish = resolve));

  const dispatch = (connection) => {
    if (waiting.length > 0) connection.send(request, waiting.shift());
    else idle.push(connection);
  };
  let minBytes = Infinity;
  let maxBytes = 0;
  const onAnswer = (connection, status, bytes, due) => {
    if (status !== '200') failed++;
    minBytes = Math.min(minBytes, bytes);
    maxBytes = Math.max(maxBytes, bytes);
    latencies[answered++] = performance.now() - due;
    if (answered === total) finish();
    else dispatch(connection);
  };
  const onFailure = (error) => {
    console.error(`open-loop: ${error.message}`);
    process.exit(1);
  };
  const pool = Array.from(
    { length: opts.connections },
    () => new Connection(target.hostname, Number(target.port), onAnswer, onFailure),
  );
  await Promise.all(pool.map((c) => new Promise((resolve) => c.socket.once('connect', resolve))));
  idle.push(...pool);

  start = performance.now();
  const interval = 1000 / opts.rate;
  const tick = () => {
    const now = performance.now();
    while (sent < total && start + sent * interval <= now) {
      const due = start + sent * interval;
      sent++;
      const connection = idle.pop();
      if (connection) connection.send(request, due);
      else waiting.push(due);
    }
    if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
  };
  tick();
  await done;
  const elapsed = (performance.now() - start) / 1000;
  for (const c of pool) c.socket.destroy();

  latencies.sort();
  const at = (q) => latencies[Math.min(total - 1, Math.ceil(q * total) - 1)];
  const round = (ms) => Math.round(ms * 100) / 100;
  const result = {
    sent,
    answered,
    failed,
    bytes: minBytes === maxBytes ? minBytes : `${minBytes}–${maxBytes}`,
    rate: answered / elapsed,
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    p99: round(at(0.99)),
    p999: round(at(0.999)),
    max: round(latencies[total - 1]),
  };
  if (process.send) process.send(result);
  else console.log(JSON.stringify(result));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
