import { L2oError } from './l2o-error.js';
/**
 * The complete state of an {@link Rng}: its four 32-bit words and, when a normal from the last Box–Muller pair is
 * still pending, that value as a fifth entry. Plain JSON, so a generator can be checkpointed or sent elsewhere and
 * continue exactly (`Rng.fromState(rng.state())`).
 */
export type RngState = readonly number[];

/**
 * A small, fast, seedable random number generator (xoshiro128**), independent of tfjs's own RNG so that
 * every problem, batch and initialisation is reproducible from a seed on any backend.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | undefined;

  private constructor(s0: number, s1: number, s2: number, s3: number) {
    this.s0 = s0 >>> 0;
    this.s1 = s1 >>> 0;
    this.s2 = s2 >>> 0;
    this.s3 = s3 >>> 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A generator seeded by one or more integers (e.g. `Rng.seeded(seed, epoch)`). */
  static seeded(...keys: number[]): Rng {
    if (keys.length === 0) throw new L2oError('INVALID_OPTION', 'Rng.seeded: give at least one seed');
    let h = 0x9e3779b9;
    const st: number[] = [];
    for (let i = 0; i < 4; i++) {
      for (const k of keys) {
        if (!Number.isFinite(k))
          throw new L2oError('INVALID_OPTION', `Rng.seeded: seed must be a finite number, got ${k}`);
        h = splitmix(h ^ Math.imul(k | 0, 0x85ebca6b) ^ Math.floor(k / 4294967296));
      }
      h = splitmix(h + i);
      st.push(h);
    }
    return new Rng(st[0]!, st[1]!, st[2]!, st[3]!);
  }

  /**
   * A generator continuing exactly where the one whose {@link Rng.state} this is stopped. Throws on anything but
   * four unsigned 32-bit integers (not all zero) optionally followed by one finite number.
   */
  static fromState(state: RngState): Rng {
    const ok =
      Array.isArray(state) &&
      (state.length === 4 || state.length === 5) &&
      state.slice(0, 4).every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff) &&
      state.slice(0, 4).some((w) => w !== 0) &&
      (state.length === 4 || Number.isFinite(state[4]));
    if (!ok) {
      throw new L2oError(
        'INVALID_OPTION',
        `Rng.fromState: state must be 4 unsigned 32-bit integers, not all zero, and optionally one finite number; got ${JSON.stringify(state)}`,
      );
    }
    const rng = new Rng(state[0]!, state[1]!, state[2]!, state[3]!);
    if (state.length === 5) rng.spare = state[4]!;
    return rng;
  }

  /** This generator's complete state (plain JSON); {@link Rng.fromState} continues from it exactly. */
  state(): RngState {
    const words = [this.s0, this.s1, this.s2, this.s3];
    return this.spare === undefined ? words : [...words, this.spare];
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    this.s2 >>>= 0;
    this.s3 >>>= 0;
    return result;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0)
      throw new L2oError('INVALID_OPTION', `Rng.int: n must be a positive integer, got ${n}`);
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** `n` IID normals with the given mean and standard deviation. */
  normalArray(n: number, mean = 0, std = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = mean + std * this.normal();
    return out;
  }

  /** `n` IID uniforms in [lo, hi). */
  uniformArray(n: number, lo = 0, hi = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * this.uniform();
    return out;
  }

  /** An independent generator derived from this one (advances this one once). */
  fork(): Rng {
    return new Rng(this.nextUint32(), this.nextUint32(), this.nextUint32(), this.nextUint32());
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

function splitmix(x: number): number {
  let z = (x + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}
