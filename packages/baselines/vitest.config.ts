import { defineConfig } from 'vitest/config';
import { vitestBase } from '../../tools/vitest-base';

export default defineConfig(vitestBase());
