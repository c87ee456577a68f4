/** A trained hyper optimizer shipped inside the package: its artifact manifest and base64 weights. */
export interface HyperPresetData {
  readonly name: string;
  /** One line: what it was trained on and how it did. */
  readonly summary: string;
  /** Where its report lives in the repository. */
  readonly report: string;
  /** The artifact manifest (see docs/artifact-format.md). */
  readonly manifest: unknown;
  /** weights.bin, base64. */
  readonly weightsBase64: string;
}
