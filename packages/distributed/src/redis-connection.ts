import { Redis } from 'ioredis';
import { DISTRIBUTED_PROTOCOL, L2O_VERSION, markerKey, type DeploymentMarker } from './protocol.js';
import { L2oError } from '@l2o/core';

/** Where a message of the learner or a worker goes (default: stderr). */
export type LogFn = (message: string) => void;

export const stderrLog: LogFn = (m) => void process.stderr.write(`${m}\n`);

/** Checks a Redis URL (`redis://host:port[/db]`, or `rediss://` for TLS); the error names the field. */
export function checkRedisUrl(url: string, field = 'connection'): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new L2oError('INVALID_OPTION', `${field}: not a URL: ${JSON.stringify(url)}; expected redis://host:port`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new L2oError(
      'INVALID_OPTION',
      `${field}: unknown scheme "${u.protocol}" in ${url}; allowed values: redis://, rediss://`,
    );
  }
  return url;
}

/** A URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

/**
 * An ioredis client that waits for Redis instead of failing: commands queue while it is unreachable and run once it
 * is back (BullMQ needs `maxRetriesPerRequest: null` too). Outages are reported through `log`, at most every 10 s.
 */
export function waitingClient(url: string, role: string, log: LogFn, retryMs = 1000): Redis {
  const client = new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    lazyConnect: true,
    retryStrategy: (times) => Math.min(times * 100, retryMs),
  });
  let down = false;
  let lastReport = 0;
  let everReady = false;
  client.on('error', (e: Error) => {
    if (!everReady) return; // at start, connectOnce reports
    const now = Date.now();
    if (!down || now - lastReport > 10_000) {
      log(
        `${role}: Redis at ${redactUrl(url)} is unreachable (${e.message}); waiting and retrying every ${retryMs / 1000} s — nothing is lost`,
      );
      lastReport = now;
    }
    down = true;
  });
  client.on('ready', () => {
    everReady = true;
    if (down) log(`${role}: Redis at ${redactUrl(url)} is back; carrying on`);
    down = false;
  });
  return client;
}

/**
 * Connects within `timeoutMs` or throws a message naming the URL and why (e.g. nothing listening, not a Redis).
 * Used once at start, so that a worker or learner pointed at the wrong address says so instead of waiting forever.
 */
export async function connectOnce(client: Redis, url: string, role: string, timeoutMs = 10_000): Promise<void> {
  let lastError = '';
  const onError = (e: Error): void => {
    lastError = e.message;
  };
  client.on('error', onError);
  try {
    client.connect().catch(() => undefined); // keeps retrying; the ping below waits for it
    const connected = client.ping();
    const timer = new Promise<never>((_, reject) =>
      setTimeout(
        () =>
          reject(
            new L2oError(
              'TIMEOUT',
              `${role}: cannot reach Redis at ${redactUrl(url)} within ${timeoutMs / 1000} s${lastError ? ` (${lastError})` : ''}; is redis-server running there, and is this the learner's address?`,
            ),
          ),
        timeoutMs,
      ).unref(),
    );
    await Promise.race([connected, timer]);
  } catch (e) {
    client.disconnect();
    throw e;
  } finally {
    client.off('error', onError);
  }
}

/**
 * Claims this Redis for l2o (first learner or worker writes the marker) or checks the marker of who did: a Redis
 * holding other data and no marker is refused as the wrong Redis, one of another l2o version as incompatible.
 */
export async function checkDeployment(client: Redis, prefix: string, role: string, url: string): Promise<void> {
  const key = markerKey(prefix);
  const mine: DeploymentMarker = { protocol: DISTRIBUTED_PROTOCOL, l2oVersion: L2O_VERSION };
  let raw = await client.get(key);
  if (raw === null) {
    const foreign = await foreignKeys(client, prefix);
    if (foreign.length > 0) {
      throw new L2oError(
        'INCOMPATIBLE',
        `${role}: wrong Redis? ${redactUrl(url)} holds keys of something else (${foreign.slice(0, 3).join(', ')}) and no l2o deployment marker (${key}); point it at the Redis the learner uses (or at an empty one)`,
      );
    }
    await client.set(key, JSON.stringify(mine), 'NX');
    raw = await client.get(key);
  }
  let theirs: Partial<DeploymentMarker> = {};
  try {
    theirs = JSON.parse(raw ?? '{}') as Partial<DeploymentMarker>;
  } catch {
    // reported below
  }
  if (theirs.protocol !== mine.protocol || theirs.l2oVersion !== mine.l2oVersion) {
    throw new L2oError(
      'INCOMPATIBLE',
      `${role}: incompatible l2o: ${redactUrl(url)} serves l2o ${String(theirs.l2oVersion)} (protocol ${String(theirs.protocol)}); this is l2o ${mine.l2oVersion} (protocol ${mine.protocol}). Install the same @l2o version on the learner and every worker`,
    );
  }
}

/** Up to a few keys not under `prefix:` (the first 1,000 keys scanned). */
async function foreignKeys(client: Redis, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  for (let i = 0; i < 10; i++) {
    const [next, keys] = await client.scan(cursor, 'COUNT', 100);
    for (const k of keys) if (!k.startsWith(`${prefix}:`)) out.push(k);
    cursor = next;
    if (cursor === '0' || out.length >= 3) break;
  }
  return out;
}
