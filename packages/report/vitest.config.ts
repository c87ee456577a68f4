import { defineConfig } from 'vitest/config';
import { vitestBase } from '../../tools/vitest-base.ts';

export default defineConfig(vitestBase());
