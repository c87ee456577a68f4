import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LSTM_CONFIG,
  PAPER_CONFIG,
  REFERENCE_MNIST_CONFIG,
  REFERENCE_QUADRATIC_CONFIG,
  lstmInputSize,
  resolveLstmConfig,
} from './config.js';

describe('LSTM config', () => {
  it('defaults to the paper and documents the reference presets', () => {
    expect(resolveLstmConfig()).toEqual({
      hiddenSizes: [20, 20],
      preprocessing: 'log-sign',
      p: 10,
      outputScale: 0.1,
      forgetBias: 1,
      initScale: 1,
    });
    expect(DEFAULT_LSTM_CONFIG).toEqual(PAPER_CONFIG);
    expect(REFERENCE_QUADRATIC_CONFIG).toEqual({ ...PAPER_CONFIG, preprocessing: 'none', outputScale: 1 });
    expect(REFERENCE_MNIST_CONFIG).toEqual({ ...PAPER_CONFIG, p: 5, outputScale: 0.01 });
    expect(resolveLstmConfig({ hiddenSizes: [3], p: 5 })).toMatchObject({ hiddenSizes: [3], p: 5, outputScale: 0.1 });
    expect(lstmInputSize(PAPER_CONFIG)).toBe(2);
    expect(lstmInputSize(REFERENCE_QUADRATIC_CONFIG)).toBe(1);
    expect(lstmInputSize({ preprocessing: 'log-sign-moments' })).toBe(5);
  });

  it('round-trips through JSON', () => {
    const c = resolveLstmConfig({ hiddenSizes: [5, 7, 2], forgetBias: -0.5 });
    expect(resolveLstmConfig(JSON.parse(JSON.stringify(c)))).toEqual(c);
  });

  it('rejects every bad field with the field and the allowed values named', () => {
    expect(() => resolveLstmConfig({ hiddenSizes: [] })).toThrow(
      /hiddenSizes must be a non-empty array of positive integers/,
    );
    expect(() => resolveLstmConfig({ hiddenSizes: [20, 0] })).toThrow(/hiddenSizes/);
    expect(() => resolveLstmConfig({ hiddenSizes: [2.5] })).toThrow(/hiddenSizes/);
    expect(() => resolveLstmConfig({ preprocessing: 'log' as 'none' })).toThrow(
      /preprocessing must be one of 'log-sign', 'none', 'log-sign-moments'; got "log"/,
    );
    expect(() => resolveLstmConfig({ p: 0 })).toThrow(/p must be a finite number > 0; got 0/);
    expect(() => resolveLstmConfig({ p: 100 })).toThrow(/p must be a finite number in \(0, 80\]/);
    expect(() => resolveLstmConfig({ outputScale: -1 })).toThrow(/outputScale must be a finite number > 0/);
    expect(() => resolveLstmConfig({ forgetBias: NaN })).toThrow(
      /forgetBias must be a finite number; got NaN|forgetBias must be a finite number; got null/,
    );
    expect(() => resolveLstmConfig({ initScale: -0.1 })).toThrow(/initScale must be a finite number ≥ 0/);
    expect(() => resolveLstmConfig({ hidenSizes: [3] } as object)).toThrow(
      /unknown field "hidenSizes"; allowed fields: hiddenSizes, preprocessing/,
    );
    expect(() => resolveLstmConfig([1])).toThrow(/must be an object/);
  });
});
