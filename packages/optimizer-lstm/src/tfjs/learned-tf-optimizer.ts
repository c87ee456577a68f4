import {
  type ArtifactLocation,
  type ArtifactManifest,
  base64ToBytes,
  bytesToBase64,
  checkMetaParamsFit,
  decodeArtifact,
  encodeArtifact,
  type JsonValue,
  L2oTfOptimizer,
  loadArtifactFrom,
  packBinaryFile,
  saveArtifactTo,
  unpackBinaryFile,
} from '@l2o/core/extend';
import {
  disposeMap,
  type JsonObject,
  L2oError,
  type LearnedOptimizer,
  optimizerForEvaluation,
  type TensorMap,
  type TfOptimizerOptions,
} from '@l2o/core';
import * as tf from '@tensorflow/tfjs';
import { LSTM_PRESETS, loadLstmPreset, rebuildLstmLearned, type LstmPresetOptimizer } from '../presets/presets.js';

/** A learned optimizer to load: a preset name (`'mnist-residual'`, `'preset:quadratic'`), a URL or a tf.io handler. */
export type LearnedOptimizerSource = string | tf.io.IOHandler;

/** What {@link loadLearnedOptimizer} returns; the caller owns `metaParams`. */
export interface LoadedLearnedOptimizer {
  readonly learned: LstmPresetOptimizer;
  readonly metaParams: TensorMap;
  readonly manifest: ArtifactManifest;
}

const PRESET_PREFIX = 'preset:';

/** The preset a source names (`'name'` or `'preset:name'`), or undefined for a URL or handler. */
function presetName(source: LearnedOptimizerSource): string | undefined {
  if (typeof source !== 'string') return undefined;
  if (source.startsWith(PRESET_PREFIX)) {
    const name = source.slice(PRESET_PREFIX.length);
    if (!LSTM_PRESETS.includes(name)) {
      throw new L2oError(
        'NOT_FOUND',
        `learned optimizer "${source}": unknown preset "${name}"; allowed values: ${LSTM_PRESETS.join(', ')}`,
      );
    }
    return name;
  }
  return LSTM_PRESETS.includes(source) ? source : undefined;
}

function describe(source: LearnedOptimizerSource): string {
  return typeof source === 'string' ? source : 'tf.io handler';
}

function rebuild(manifest: ArtifactManifest, metaParams: TensorMap, source: string): LoadedLearnedOptimizer {
  try {
    const learned = rebuildLstmLearned(manifest.kind, manifest.config, source);
    checkMetaParamsFit(learned as unknown as LearnedOptimizer, metaParams, manifest.kind, source);
    return { learned, metaParams, manifest };
  } catch (e) {
    disposeMap(metaParams);
    throw e;
  }
}

/**
 * Loads a learned optimizer of kind `'lstm'` or `'residual'` from a preset name (no I/O), or through tf.io: what
 * {@link saveLearnedOptimizer} wrote (`indexeddb://…`, `localstorage://…`, `http(s)://…/model.json`,
 * `tf.io.fromMemory(…)`, any handler), or an artifact folder served over HTTP (`…/manifest.json`). The caller owns
 * `metaParams`.
 */
export async function loadLearnedOptimizer(source: LearnedOptimizerSource): Promise<LoadedLearnedOptimizer> {
  const preset = presetName(source);
  if (preset !== undefined) return loadLstmPreset(preset);
  const { manifest, metaParams } = await loadArtifactFrom(source as ArtifactLocation);
  return rebuild(manifest, metaParams, describe(source));
}

/**
 * Saves a learned optimizer (its kind, config and φ) through tf.io: `indexeddb://name`, `localstorage://name`,
 * `downloads://name`, an `http(s)://` POST, `tf.io.withSaveHandler(…)`, or any handler; {@link loadLearnedOptimizer}
 * reads it back. Returns the manifest.
 */
export async function saveLearnedOptimizer(
  destination: string | tf.io.IOHandler,
  opts: { learned: LearnedOptimizer; metaParams: TensorMap; training?: JsonObject },
): Promise<ArtifactManifest> {
  const { learned, metaParams, training } = opts;
  checkMetaParamsFit(learned, metaParams, learned.kind, 'saveLearnedOptimizer');
  return saveArtifactTo(destination, {
    kind: learned.kind,
    name: learned.name,
    config: learned.config as JsonObject,
    metaParams,
    ...(training !== undefined ? { training } : {}),
  });
}

/**
 * A learned optimizer as a ready `tf.Optimizer` that owns its φ, registered with `tf.serialization`: a model
 * saved with `model.save(…, { includeOptimizer: true })` restores it (and its state) in `tf.loadLayersModel`.
 * Its config names a preset, or carries the whole artifact (base64: tfjs rewrites underscores in config strings).
 */
export class LearnedTfOptimizer extends L2oTfOptimizer {
  /** tfjs serialization name. */
  static override get className(): string {
    return 'L2oLearnedOptimizer';
  }

  /** The learned optimizer and its φ (owned by this object; disposed with it). */
  readonly loaded: LoadedLearnedOptimizer;
  private readonly saved: { readonly preset: string } | { readonly artifact: string };
  private readonly options: TfOptimizerOptions;

  constructor(loaded: LoadedLearnedOptimizer, preset: string | undefined, options: TfOptimizerOptions = {}) {
    super(optimizerForEvaluation(loaded.learned, loaded.metaParams), options);
    this.loaded = loaded;
    this.options = { ...options };
    if (preset !== undefined) this.saved = { preset };
    else {
      const { manifest, weights } = encodeArtifact({
        kind: loaded.manifest.kind,
        name: loaded.manifest.name,
        config: loaded.manifest.config,
        metaParams: loaded.metaParams,
        ...(loaded.manifest.training !== undefined ? { training: loaded.manifest.training } : {}),
      });
      this.saved = { artifact: bytesToBase64(packBinaryFile(manifest as unknown as JsonValue, weights)) };
    }
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...this.saved,
      ...(this.options.onVariablesChange !== undefined ? { onVariablesChange: this.options.onVariablesChange } : {}),
      ...(this.options.totalSteps !== undefined ? { totalSteps: this.options.totalSteps } : {}),
    };
  }

  /** Rebuilds the optimizer from {@link getConfig} (what `tf.loadLayersModel` calls). */
  static override fromConfig<T extends tf.serialization.Serializable>(
    _cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const options: { onVariablesChange?: 'error' | 'reset'; totalSteps?: number } = {};
    if (config['onVariablesChange'] !== undefined)
      options.onVariablesChange = config['onVariablesChange'] as 'error' | 'reset';
    if (config['totalSteps'] !== undefined) options.totalSteps = config['totalSteps'] as number;
    const preset = config['preset'];
    if (typeof preset === 'string') {
      return new LearnedTfOptimizer(loadLstmPreset(preset), preset, options) as unknown as T;
    }
    const artifact = config['artifact'];
    if (typeof artifact !== 'string') {
      throw new L2oError(
        'INVALID_OPTION',
        `${LearnedTfOptimizer.className}.fromConfig: the config needs "preset" or "artifact" (a string)`,
      );
    }
    const source = `${LearnedTfOptimizer.className} config`;
    const { json, bytes } = unpackBinaryFile(base64ToBytes(artifact));
    const { manifest, metaParams } = decodeArtifact(json, bytes, source);
    return new LearnedTfOptimizer(rebuild(manifest, metaParams, source), undefined, options) as unknown as T;
  }

  /** Frees the optimizer state and φ. */
  override dispose(): void {
    super.dispose();
    disposeMap(this.loaded.metaParams);
  }
}

let registered = false;

/**
 * Registers {@link LearnedTfOptimizer} with `tf.serialization` (done when this module loads, and by every function
 * here); call it before `tf.loadLayersModel` if nothing else from this package ran yet.
 */
export function registerLearnedTfOptimizer(): void {
  if (registered) return;
  tf.serialization.registerClass(LearnedTfOptimizer);
  registered = true;
}
registerLearnedTfOptimizer();

/**
 * One line to a learned `tf.Optimizer`: `model.compile({ optimizer: await learnedTfOptimizer('mnist-residual'),
 * loss })`. `source` is a preset (`'mnist-residual'`, `'preset:quadratic'`), a URL or a tf.io handler
 * ({@link loadLearnedOptimizer}). The optimizer owns φ (`dispose()` frees it) and survives `model.save` +
 * `tf.loadLayersModel`.
 */
export async function learnedTfOptimizer(
  source: LearnedOptimizerSource,
  options: TfOptimizerOptions = {},
): Promise<LearnedTfOptimizer> {
  registerLearnedTfOptimizer();
  const preset = presetName(source);
  const loaded = await loadLearnedOptimizer(source);
  try {
    return new LearnedTfOptimizer(loaded, preset, options);
  } catch (e) {
    disposeMap(loaded.metaParams);
    throw e;
  }
}
