import * as tf from '@tensorflow/tfjs';
import type { InitContext, Optimizer, TensorMap } from './types.js';
import { L2oError } from './l2o-error.js';

/** What to do when the set of trained variables changes between two `applyGradients` calls. */
export const VARIABLE_CHANGE_POLICIES = ['error', 'reset'] as const;
export type VariableChangePolicy = (typeof VARIABLE_CHANGE_POLICIES)[number];

export interface TfOptimizerOptions {
  /**
   * The l2o state covers one fixed set of variables (a learned optimizer may mix all coordinates). When a
   * later call brings a different set: 'error' (default) throws naming the variables; 'reset' drops the
   * state and starts a fresh one for the new set.
   */
  readonly onVariablesChange?: VariableChangePolicy;
  /**
   * The number of training steps planned (e.g. epochs × batches per epoch), passed to the optimizer's `init` as
   * {@link InitContext.totalSteps}. Learned optimizers that schedule themselves over the run need it; others ignore it.
   */
  readonly totalSteps?: number;
}

/** A tfjs `{ name, tensor }` pair (tfjs-core's NamedTensor, which '@tensorflow/tfjs' does not export). */
export type NamedTensorEntry = { name: string; tensor: tf.Tensor };

/** Name of the weight holding the JSON skeleton of the l2o state in `getWeights()`. */
export const L2O_STATE_WEIGHT = 'l2o/state';

type Skeleton = null | boolean | number | string | { $tensor: number } | Skeleton[] | { [k: string]: Skeleton };

function isTensor(v: unknown): v is tf.Tensor {
  return v instanceof tf.Tensor;
}

function tensorsIn(c: tf.TensorContainer, out: tf.Tensor[] = []): tf.Tensor[] {
  if (isTensor(c)) out.push(c);
  else if (Array.isArray(c)) for (const x of c) tensorsIn(x as tf.TensorContainer, out);
  else if (c !== null && typeof c === 'object' && !ArrayBuffer.isView(c)) {
    for (const x of Object.values(c)) tensorsIn(x as tf.TensorContainer, out);
  }
  return out;
}

/** Splits a state into a JSON skeleton (tensors replaced by `{ $tensor: i }`) and its tensors, named by path. */
function toSkeleton(c: tf.TensorContainer, path: string, tensors: NamedTensorEntry[]): Skeleton {
  if (isTensor(c)) {
    tensors.push({ name: `l2o/state${path}`, tensor: c });
    return { $tensor: tensors.length - 1 };
  }
  if (c === undefined) return null;
  if (c === null || typeof c === 'boolean' || typeof c === 'string') return c;
  if (typeof c === 'number') {
    if (!Number.isFinite(c))
      throw new L2oError('NON_FINITE', `toTfOptimizer.getWeights: state number at "${path}" is not finite (${c})`);
    return c;
  }
  if (ArrayBuffer.isView(c))
    throw new L2oError(
      'UNSUPPORTED',
      `toTfOptimizer.getWeights: typed arrays in the state (at "${path}") are not supported`,
    );
  if (Array.isArray(c)) return c.map((x, i) => toSkeleton(x as tf.TensorContainer, `${path}[${i}]`, tensors));
  const out: { [k: string]: Skeleton } = {};
  for (const [k, v] of Object.entries(c)) out[k] = toSkeleton(v as tf.TensorContainer, `${path}.${k}`, tensors);
  return out;
}

/** The same container with every object key found in `rename` replaced (tensors are shared, not copied). */
function renameKeys(c: tf.TensorContainer, rename: ReadonlyMap<string, string>): tf.TensorContainer {
  if (isTensor(c) || c === null || typeof c !== 'object' || ArrayBuffer.isView(c)) return c;
  if (Array.isArray(c)) return c.map((x) => renameKeys(x as tf.TensorContainer, rename));
  const out: Record<string, tf.TensorContainer> = {};
  for (const [k, v] of Object.entries(c)) out[rename.get(k) ?? k] = renameKeys(v as tf.TensorContainer, rename);
  return out;
}

function fromSkeleton(s: Skeleton, tensors: readonly tf.Tensor[]): tf.TensorContainer {
  if (s === null) return undefined;
  if (typeof s !== 'object') return s;
  if (Array.isArray(s)) return s.map((x) => fromSkeleton(x, tensors));
  if ('$tensor' in s && typeof s['$tensor'] === 'number' && Object.keys(s).length === 1) {
    const t = tensors[s['$tensor']];
    if (!t)
      throw new L2oError(
        'INVALID_DATA',
        `toTfOptimizer.setWeights: the state refers to tensor #${s['$tensor']}, which is missing`,
      );
    return tf.keep(tf.clone(t));
  }
  const out: Record<string, tf.TensorContainer> = {};
  for (const [k, v] of Object.entries(s)) out[k] = fromSkeleton(v, tensors);
  return out;
}

/**
 * A `tf.Optimizer` that runs an l2o {@link Optimizer} (hand-designed or learned), so that tfjs-layers'
 * `model.compile({ optimizer, loss })` and `model.fit` use it. Its l2o state lives here, across calls and
 * across `fit` calls, keyed by variable name; every step applies θ ← θ + updates with `variable.assign`.
 */
export class L2oTfOptimizer<State extends tf.TensorContainer = tf.TensorContainer> extends tf.Optimizer {
  /** tfjs serialization name (see `getConfig`). */
  static get className(): string {
    return 'L2oOptimizer';
  }

  readonly optimizer: Optimizer<State>;
  private readonly policy: VariableChangePolicy;
  private readonly context: InitContext;
  private state: State | undefined;
  private names: string[] | undefined;
  /** True between setWeights and the next step: variable names may then be remapped by position. */
  private restored = false;

  constructor(optimizer: Optimizer<State>, options: TfOptimizerOptions = {}) {
    super();
    if (!optimizer || typeof optimizer.init !== 'function' || typeof optimizer.update !== 'function') {
      throw new L2oError(
        'INVALID_OPTION',
        'toTfOptimizer: optimizer must be an l2o Optimizer (an object with init and update)',
      );
    }
    if (options === null || typeof options !== 'object')
      throw new L2oError('INVALID_OPTION', 'toTfOptimizer: options must be an object');
    for (const k of Object.keys(options)) {
      if (k !== 'onVariablesChange' && k !== 'totalSteps')
        throw new L2oError(
          'INVALID_OPTION',
          `toTfOptimizer: unknown option "${k}"; allowed: onVariablesChange, totalSteps`,
        );
    }
    const policy = options.onVariablesChange ?? 'error';
    if (!(VARIABLE_CHANGE_POLICIES as readonly string[]).includes(policy)) {
      throw new L2oError(
        'INVALID_OPTION',
        `toTfOptimizer.onVariablesChange: unknown "${String(policy)}"; allowed values: ${VARIABLE_CHANGE_POLICIES.join(', ')}`,
      );
    }
    const totalSteps = options.totalSteps;
    if (totalSteps !== undefined && !(Number.isInteger(totalSteps) && totalSteps >= 1)) {
      throw new L2oError(
        'INVALID_OPTION',
        `toTfOptimizer.totalSteps: must be a positive integer, got ${String(totalSteps)}`,
      );
    }
    this.optimizer = optimizer;
    this.policy = policy;
    this.context = totalSteps === undefined ? {} : { totalSteps };
  }

  /** The current l2o state (owned by this object; do not dispose), or undefined before the first step. */
  get l2oState(): State | undefined {
    return this.state;
  }

  /** Names of the variables the state covers, in the order of the first step. */
  get variableNames(): readonly string[] | undefined {
    return this.names;
  }

  /** Drops the l2o state; the next step starts a fresh one. */
  reset(): void {
    if (this.state !== undefined) tf.dispose(tensorsIn(this.state));
    this.state = undefined;
    this.names = undefined;
    this.restored = false;
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensorEntry[]): void {
    const entries: [string, tf.Tensor | null | undefined][] = Array.isArray(variableGradients)
      ? variableGradients.map((e) => [e.name, e.tensor])
      : Object.entries(variableGradients);
    const incoming = entries.map(([n]) => n);
    if (this.names !== undefined) {
      const known = new Set(this.names);
      const now = new Set(incoming);
      const added = incoming.filter((n) => !known.has(n));
      const missing = this.names.filter((n) => !now.has(n));
      if ((added.length > 0 || missing.length > 0) && this.restored && incoming.length === this.names.length) {
        // A state restored by setWeights into another model (tfjs renames layers): match variables by position.
        const rename = new Map(this.names.map((n, i) => [n, incoming[i]!]));
        this.state = renameKeys(this.state as tf.TensorContainer, rename) as State;
        this.names = [...incoming];
      } else if (added.length > 0 || missing.length > 0) {
        if (this.policy === 'reset') this.reset();
        else {
          throw new L2oError(
            'SHAPE_MISMATCH',
            `toTfOptimizer: the trained variables changed since the first step (new: ${added.join(', ') || 'none'}; ` +
              `missing: ${missing.join(', ') || 'none'}); call reset() or pass onVariablesChange: 'reset'`,
          );
        }
      }
    }
    const registered = tf.engine().registeredVariables;
    const order = this.names ?? incoming;
    const byName = new Map(entries);
    const vars: Record<string, tf.Variable> = {};
    for (const n of order) {
      const v = registered[n];
      if (!v) throw new L2oError('NOT_FOUND', `toTfOptimizer: no registered variable named "${n}"`);
      vars[n] = v;
    }
    const prev = this.state;
    const next = tf.tidy(() => {
      const params: TensorMap = vars;
      const grads: Record<string, tf.Tensor> = {};
      for (const n of order) {
        const g = byName.get(n);
        // tfjs passes null for a variable the loss does not depend on: its gradient is zero.
        grads[n] = g ?? tf.zerosLike(vars[n]!);
      }
      const state = prev ?? this.optimizer.init(params, this.context);
      const step = this.optimizer.update(grads, state, params);
      for (const n of order) {
        const u = step.updates[n];
        if (!u)
          throw new L2oError('SHAPE_MISMATCH', `toTfOptimizer: ${this.optimizer.name} returned no update for "${n}"`);
        vars[n]!.assign(tf.add(vars[n]!, u));
      }
      // tfjs-layers calls minimize inside its own tidy: keep the state, or that outer scope frees it.
      for (const t of tensorsIn(step.state)) tf.keep(t);
      return step.state;
    });
    if (prev !== undefined) {
      const kept = new Set(tensorsIn(next).map((t) => t.id));
      for (const t of tensorsIn(prev)) if (!kept.has(t.id) && !t.isDisposed) t.dispose();
    }
    this.state = next;
    this.names = [...order];
    this.restored = false;
    this.incrementIterations();
  }

  /** The iteration count, the state skeleton (JSON, as a string tensor) and the state's tensors. */
  override async getWeights(): Promise<NamedTensorEntry[]> {
    const iter = (await this.saveIterations()) as NamedTensorEntry;
    const tensors: NamedTensorEntry[] = [];
    const skeleton = this.state === undefined ? null : toSkeleton(this.state, '', tensors);
    const header = JSON.stringify({ optimizer: this.optimizer.name, names: this.names ?? null, state: skeleton });
    return [iter, { name: L2O_STATE_WEIGHT, tensor: tf.scalar(header, 'string') }, ...tensors];
  }

  /**
   * Restores what {@link getWeights} returned (copies the tensors; the caller keeps ownership of its own). If the
   * next step trains variables with other names but as many (a reloaded model), they are matched by position.
   */
  override async setWeights(weightValues: NamedTensorEntry[]): Promise<void> {
    const rest = (await this.extractIterations(weightValues)) as NamedTensorEntry[];
    const head = rest[0];
    if (!head || head.name !== L2O_STATE_WEIGHT) {
      throw new L2oError(
        'INVALID_DATA',
        `toTfOptimizer.setWeights: expected "${L2O_STATE_WEIGHT}" after the iteration count`,
      );
    }
    const text = (await head.tensor.data()) as unknown as (string | Uint8Array)[];
    const raw = text[0];
    const json = typeof raw === 'string' ? raw : new TextDecoder().decode(raw);
    const parsed = JSON.parse(json) as { optimizer: string; names: string[] | null; state: Skeleton };
    if (parsed.optimizer !== this.optimizer.name) {
      throw new L2oError(
        'INCOMPATIBLE',
        `toTfOptimizer.setWeights: weights were saved by "${parsed.optimizer}", this adapter runs "${this.optimizer.name}"`,
      );
    }
    this.reset();
    if (parsed.state !== null && parsed.names !== null) {
      this.state = fromSkeleton(
        parsed.state,
        rest.slice(1).map((e) => e.tensor),
      ) as State;
      this.names = parsed.names;
      this.restored = true;
    }
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { optimizer: this.optimizer.name, onVariablesChange: this.policy };
  }

  override dispose(): void {
    this.reset();
    super.dispose();
  }
}

/**
 * Wraps an l2o optimizer (learned or baseline) as a `tf.Optimizer` for `model.compile({ optimizer, loss })`.
 * Not registered with `tf.serialization`: an arbitrary l2o optimizer cannot be rebuilt from its config, so a
 * model saved with `includeOptimizer` must be compiled again after loading.
 */
export function toTfOptimizer<State extends tf.TensorContainer>(
  optimizer: Optimizer<State>,
  options: TfOptimizerOptions = {},
): L2oTfOptimizer<State> {
  return new L2oTfOptimizer(optimizer, options);
}
