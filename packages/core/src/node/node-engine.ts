import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { registerEngineHost } from '../engine/engine.js';

/** tfjs-node is an optional peer: present only where its native library could be installed. */
async function loadTfjsNode(): Promise<string | undefined> {
  const spec = '@tensorflow/tfjs-node';
  await import(spec);
  if (!tf.engine().registryFactory['tensorflow']) return 'tfjs-node loaded but registered no backend';
  return undefined;
}

/**
 * Gives core's engine what Node offers: the `node` backend (tfjs-node, where installed) and the processor count.
 * Runs when `@l2o/core` is loaded in Node (its `node` export condition); calling it again changes nothing.
 */
export function registerNodeEngine(): void {
  registerEngineHost({ loaders: { node: loadTfjsNode }, cores: () => availableParallelism() });
}
