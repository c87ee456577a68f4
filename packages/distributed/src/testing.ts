/**
 * Test helpers (subpath export `@l2o/distributed/testing`): a throw-away Redis for tests and benchmarks.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { L2oError } from '@l2o/core';

/** A running `redis-server` started by {@link startRedisServer}. */
export interface RedisServerHandle {
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGTERM, then SIGKILL after 2 s) and waits for it to exit. */
  stop(): Promise<void>;
}

export interface StartRedisOptions {
  /** The executable (default `redis-server` on PATH, e.g. Debian's package `redis-server`). */
  readonly command?: string;
  /** Port to listen on (default: a free loopback port). Use it to restart a stopped server at the same address. */
  readonly port?: number;
}

/** Whether `redis-server` (or `command`) can be run here. */
export function redisServerAvailable(command = 'redis-server'): boolean {
  const r = spawnSync(command, ['--version'], { stdio: 'ignore' });
  return r.status === 0;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts `redis-server` on a loopback port with no persistence (no RDB snapshots, no AOF, nothing written to disk),
 * and resolves once it accepts connections. Throws, naming the command, when it cannot be started.
 */
export async function startRedisServer(options: StartRedisOptions = {}): Promise<RedisServerHandle> {
  const command = options.command ?? 'redis-server';
  const port = options.port ?? (await freePort());
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--protected-mode',
    'yes',
    '--loglevel',
    'warning',
  ];
  const child: ChildProcess = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (e) =>
      reject(
        new L2oError(
          'NOT_FOUND',
          `startRedisServer: cannot run "${command}" (${e.message}); install Debian's redis-server`,
          { cause: e },
        ),
      ),
    ),
  );
  const ready = (async () => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) {
        throw new L2oError('IO', `startRedisServer: ${command} exited with ${child.exitCode}: ${output.trim()}`);
      }
      if (await accepts(port)) return;
      if (Date.now() > deadline)
        throw new L2oError('TIMEOUT', `startRedisServer: ${command} did not listen on port ${port} in 10 s`);
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  try {
    await Promise.race([ready, spawnError]);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Whether something answers Redis's PING on 127.0.0.1:port. */
async function accepts(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let data = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      data += d.toString();
      if (data.includes('\r\n')) done(data.startsWith('+PONG'));
    });
  });
}

/**
 * For test files: a Redis server when `redis-server` is installed; otherwise `undefined` with a message on stderr —
 * or, with `CI=true`, an error (CI must run these tests).
 */
export async function redisForTests(what: string): Promise<RedisServerHandle | undefined> {
  if (!redisServerAvailable()) {
    const msg = `${what}: redis-server is not installed (Debian: apt-get install redis-server)`;
    if (process.env['CI'] === 'true') throw new L2oError('UNSUPPORTED', `${msg}; CI must run these tests`);
    process.stderr.write(`skipping ${msg}\n`);
    return undefined;
  }
  return startRedisServer();
}
