import { L2oError } from './l2o-error.js';
import { partitionLearnedFromConfig } from './partition.js';
import { residualLearnedFromConfig } from './residual.js';
import { type ArtifactManifest, checkMetaParamsFit, decodeArtifact, encodeArtifact } from './serialization.js';
import { disposeMap } from './tensor-map.js';
import { optimizerFromConfig } from './transforms/optimizer-from-config.js';
import type { JsonObject, LearnedOptimizer, Optimizer, TensorMap } from './types.js';

/** What a kind's `create` may use to build its parts (composite kinds: residual, partition). */
export interface LearnedKindContext {
  /**
   * What the config is called in errors, e.g. `<dir>: manifest field "config"` when loading an artifact; errors
   * about the config start with it.
   */
  readonly field: string;
  /** A nested learned optimizer of a registered kind, from its config. */
  learned(kind: string, config: JsonObject): LearnedOptimizer;
  /** A hand-designed optimizer from its JSON (core's transforms, Adam, and what `registerOptimizerConfigs` added). */
  optimizer(config: JsonObject, field: string): Optimizer;
}

/**
 * One architecture of learned optimizer: how to rebuild it from the `config` saved in an artifact. Each optimizer
 * package registers its kind when imported; core registers `residual` and `partition`.
 */
export interface LearnedKind<L extends LearnedOptimizer = LearnedOptimizer> {
  /** `LearnedOptimizer.kind` of what `create` builds, written into artifacts (e.g. `"lstm"`). */
  readonly kind: string;
  /** The architecture `config` describes; config errors start with `context.field`. */
  create(config: JsonObject, context: LearnedKindContext): L;
  /**
   * Optional check of φ with the kind's own messages (names and shapes per layer), run before the generic one
   * (`checkMetaParamsFit`); `field` starts its errors.
   */
  checkMetaParams?(learned: L, metaParams: TensorMap, field: string): void;
}

/** A learned optimizer rebuilt from an artifact, with its φ (owned by the caller) and manifest. */
export interface LoadedLearned<L extends LearnedOptimizer = LearnedOptimizer> {
  readonly learned: L;
  readonly metaParams: TensorMap;
  readonly manifest: ArtifactManifest;
}

/** What {@link encodeLearned} and `saveLearned` (in `@l2o/core/node`) take. */
export interface LearnedToSave {
  readonly learned: LearnedOptimizer;
  readonly metaParams: TensorMap;
  /** Free metadata about how φ was obtained, written into the manifest. */
  readonly training?: JsonObject;
}

/** Options of the loaders: which kind the caller expects, and its name for errors. */
export interface LoadLearnedOptions<L extends LearnedOptimizer = LearnedOptimizer> {
  /** Refuse artifacts of any other kind, and build with this entry (typed) instead of the registry's. */
  readonly expect?: LearnedKind<L>;
  /** The function the caller is known by, starting kind errors (e.g. `'loadLstmOptimizer'`). */
  readonly reader?: string;
}

const KINDS = new Map<string, LearnedKind>();

/**
 * Makes `kind` loadable: {@link learnedFromConfig}, {@link decodeLearned} and `loadLearned` (in
 * `@l2o/core/node`) rebuild artifacts of that kind with `entry.create`. A later registration of the same kind
 * replaces the earlier one.
 */
export function registerLearnedKind<L extends LearnedOptimizer>(entry: LearnedKind<L>): void {
  if (entry === null || typeof entry !== 'object' || typeof entry.create !== 'function') {
    throw new L2oError('INVALID_OPTION', 'registerLearnedKind: entry must be { kind, create(config, context) }');
  }
  if (typeof entry.kind !== 'string' || entry.kind.length === 0) {
    throw new L2oError(
      'INVALID_OPTION',
      `registerLearnedKind: kind must be a non-empty string, got ${JSON.stringify(entry.kind)}`,
    );
  }
  KINDS.set(entry.kind, entry as LearnedKind);
}

/** The registered kinds, sorted. */
export function registeredLearnedKinds(): string[] {
  return [...KINDS.keys()].sort();
}

/** The registered entry of `kind`; an unknown kind is an error that lists the registered ones. */
export function learnedKindFor(kind: string, source = 'learnedKindFor'): LearnedKind {
  const entry = KINDS.get(kind);
  if (entry) return entry;
  throw new L2oError(
    'NOT_FOUND',
    `${source}: unknown learned optimizer kind ${JSON.stringify(kind)}; registered kinds: ${registeredLearnedKinds().join(', ')}` +
      ' (import the package that defines it, or registerLearnedKind)',
  );
}

function contextFor(field: string): LearnedKindContext {
  return {
    field,
    learned: (kind, config) => learnedKindFor(kind, field).create(config, contextFor(`${field}.config`)),
    optimizer: (config, at) => optimizerFromConfig(config, { field: at }),
  };
}

/**
 * The learned optimizer of a registered `kind` described by `config` (as saved in an artifact). Errors start with
 * `field`.
 */
export function learnedFromConfig(
  kind: string,
  config: JsonObject,
  field = 'learnedFromConfig config',
): LearnedOptimizer {
  return learnedKindFor(kind, field).create(config, contextFor(field));
}

/**
 * Rebuilds the learned optimizer of a decoded artifact from its manifest's kind and config, and checks that the
 * weights are exactly that architecture's meta-parameters (names and shapes of a fresh `initMetaParams`, with
 * `checkMetaParamsFit`): errors name `source`, the kind and the weights that differ. Takes ownership of
 * `metaParams`: on any error they are disposed.
 */
export function learnedFromArtifact<L extends LearnedOptimizer = LearnedOptimizer>(
  artifact: { readonly manifest: ArtifactManifest; readonly metaParams: TensorMap },
  source: string,
  options: LoadLearnedOptions<L> = {},
): LoadedLearned<L> {
  const { manifest, metaParams } = artifact;
  try {
    const expect = options.expect;
    if (expect !== undefined && manifest.kind !== expect.kind) {
      const who = options.reader ?? 'this loader';
      throw new L2oError(
        'INCOMPATIBLE',
        `${options.reader ? `${options.reader}: ` : ''}${source} holds a learned optimizer of kind "${manifest.kind}"; ${who} reads kind "${expect.kind}"`,
      );
    }
    const entry = (expect ?? learnedKindFor(manifest.kind, source)) as LearnedKind<L>;
    const where = options.reader ? `${options.reader}: ${source}` : source;
    const learned = entry.create(manifest.config, contextFor(`${where}: manifest field "config"`));
    entry.checkMetaParams?.(learned, metaParams, `${where}: weights`);
    checkMetaParamsFit(learned, metaParams, manifest.kind, source);
    return { learned, metaParams, manifest };
  } catch (e) {
    disposeMap(metaParams);
    throw e;
  }
}

/**
 * A learned optimizer and its φ as an artifact's manifest and weight bytes (see docs/artifact-format.md), after
 * checking that φ fits the architecture (with its registered kind's own check too, where it has one). Platform-neutral; `saveLearned` in `@l2o/core/node` writes them to disk.
 */
export function encodeLearned(
  input: LearnedToSave,
  source = 'encodeLearned',
): { manifest: ArtifactManifest; weights: Uint8Array } {
  const { learned, metaParams, training } = input;
  KINDS.get(learned.kind)?.checkMetaParams?.(learned, metaParams, `${source}: metaParams`);
  checkMetaParamsFit(learned, metaParams, learned.kind, source);
  return encodeArtifact({
    kind: learned.kind,
    name: learned.name,
    config: learned.config,
    metaParams,
    ...(training !== undefined ? { training } : {}),
  });
}

/**
 * The learned optimizer an artifact (its manifest as parsed JSON, and its weight bytes) holds, rebuilt through
 * the registry of kinds and checked against its weights ({@link learnedFromArtifact}). The caller owns
 * `metaParams`.
 */
export function decodeLearned<L extends LearnedOptimizer = LearnedOptimizer>(
  manifest: unknown,
  weights: Uint8Array,
  source = 'decodeLearned',
  options: LoadLearnedOptions<L> = {},
): LoadedLearned<L> {
  return learnedFromArtifact(decodeArtifact(manifest, weights, source), source, options);
}

registerLearnedKind({
  kind: 'residual',
  create: (config, context) =>
    residualLearnedFromConfig(config, context.learned, (base) => context.optimizer(base, `${context.field}.base`)),
});
registerLearnedKind({
  kind: 'partition',
  create: (config, context) => partitionLearnedFromConfig(config, context.learned),
});
