import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * A three-member etcd cluster on loopback for the compare suite, with its data in a RAM-backed
 * directory (/dev/shm), started and stopped by the benchmark itself. Every member listens on
 * 127.0.0.1 only, on ports the kernel reported free. Every process is killed on stop(), and also
 * when this process exits or is interrupted, so no member outlives the benchmark.
 */
export const ETCD_BINARY_CANDIDATES = ['etcd', '/usr/bin/etcd', '/usr/local/bin/etcd'];
export const ETCD_INSTALL_HINT =
  "install etcd: on Debian or Ubuntu, apt-get update && apt-get install -y etcd-server; elsewhere, an etcd release binary on PATH, or SYNOD_ETCD_BINARY=/path/to/etcd";
const MEMBERS = 3;
const READY_TIMEOUT_MS = 30_000;

export interface EtcdCluster {
  readonly version: string;
  readonly clientUrls: readonly string[];
  readonly dataDir: string;
  stop(): Promise<void>;
}

/** The etcd binary and its version, or undefined when none is installed. */
export function findEtcd(): { binary: string; version: string } | undefined {
  const override = process.env.SYNOD_ETCD_BINARY;
  for (const binary of override ? [override] : ETCD_BINARY_CANDIDATES) {
    const probe = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 10_000 });
    if (probe.error === undefined && probe.status === 0) {
      const version = /etcd Version:\s*(\S+)/.exec(probe.stdout)?.[1] ?? 'unknown';
      return { binary, version };
    }
  }
  return undefined;
}

const live = new Set<ChildProcess>();
let exitHooksInstalled = false;

function killAllNow(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAllNow();
      process.kill(process.pid, signal);
    });
  }
}

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<import('node:net').Server>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as import('node:net').AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

export async function startEtcdCluster(binary: string, version: string, log: (line: string) => void): Promise<EtcdCluster> {
  installExitHooks();
  const dataDir = mkdtempSync(join('/dev/shm', 'synod-bench-etcd-'));
  const ports = await freePorts(2 * MEMBERS);
  const clientPorts = ports.slice(0, MEMBERS);
  const peerPorts = ports.slice(MEMBERS);
  const names = Array.from({ length: MEMBERS }, (_, i) => `m${i}`);
  const initialCluster = names.map((name, i) => `${name}=http://127.0.0.1:${peerPorts[i]}`).join(',');
  const token = `synod-bench-${process.pid}-${Date.now()}`;
  const children: ChildProcess[] = [];
  const stderrTails: string[][] = names.map(() => []);
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((child) => stopChild(child)));
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    names.forEach((name, i) => {
      const child = spawn(
        binary,
        [
          '--name', name,
          '--data-dir', join(dataDir, name),
          '--listen-client-urls', `http://127.0.0.1:${clientPorts[i]}`,
          '--advertise-client-urls', `http://127.0.0.1:${clientPorts[i]}`,
          '--listen-peer-urls', `http://127.0.0.1:${peerPorts[i]}`,
          '--initial-advertise-peer-urls', `http://127.0.0.1:${peerPorts[i]}`,
          '--initial-cluster', initialCluster,
          '--initial-cluster-state', 'new',
          '--initial-cluster-token', token,
          '--logger', 'zap',
          '--log-level', 'error',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      live.add(child);
      children.push(child);
      child.once('exit', () => live.delete(child));
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (chunk: string) => {
        const tail = stderrTails[i]!;
        tail.push(chunk);
        if (tail.length > 20) tail.shift();
      });
    });
    const clientUrls = clientPorts.map((port) => `http://127.0.0.1:${port}`);
    await waitHealthy(clientUrls, children, stderrTails);
    log(`etcd ${version}: ${MEMBERS} members on 127.0.0.1 (client ports ${clientPorts.join(', ')}), data in ${dataDir}`);
    return { version, clientUrls, dataDir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitHealthy(clientUrls: readonly string[], children: readonly ChildProcess[], stderrTails: string[][]): Promise<void> {
  const deadline = performance.now() + READY_TIMEOUT_MS;
  for (;;) {
    const exited = children.findIndex((child) => child.exitCode !== null || child.signalCode !== null);
    if (exited >= 0) throw new Error(`etcd member m${exited} exited during start-up: ${stderrTails[exited]!.join('').slice(-2000)}`);
    const healthy = await Promise.all(
      clientUrls.map(async (url) => {
        try {
          const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
          const body = (await response.json()) as { health?: string };
          return body.health === 'true';
        } catch {
          return false;
        }
      }),
    );
    if (healthy.every(Boolean)) return;
    if (performance.now() > deadline) throw new Error(`etcd cluster not healthy within ${READY_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}
