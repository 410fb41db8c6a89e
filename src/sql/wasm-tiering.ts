import { setFlagsFromString } from 'node:v8';
import { warnOnce } from '../diag-once.js';

/**
 * V8 flags that keep WebAssembly on its baseline compiler (Liftoff). Both are needed when set at run
 * time: `--liftoff-only` alone only takes effect on the command line, where V8 applies its implications.
 */
export const BASELINE_WASM_FLAGS = ['--no-wasm-tier-up', '--no-wasm-dynamic-tiering'] as const;

/**
 * Keeps WebAssembly on V8's baseline compiler, before the SQL parser (PostgreSQL's parser compiled to
 * WebAssembly, one very large function for the grammar) is compiled. With tier-up, V8 recompiles the
 * parser's hot functions with its optimizing compiler in the background: on Node 24 that takes about
 * 550 MiB of RSS for several seconds after the app's first statement, and on Node 22 the optimized code
 * stays resident (about +100 MiB after a few thousand parses). Baseline code parses as fast here,
 * because spanlens parses each statement shape once. The flags are process-wide and V8 reads them
 * lazily, so they cannot be undone after the parser is compiled: `SPANLENS_WASM_TIER_UP=true` leaves
 * V8's defaults for apps whose own WebAssembly needs the optimizing compiler.
 */
export function keepWebAssemblyOnBaselineCompiler(): void {
  try {
    for (const flag of BASELINE_WASM_FLAGS) setFlagsFromString(flag);
  } catch (error) {
    warnOnce('wasm-tiering', 'could not keep WebAssembly on the baseline compiler; the SQL parser may use more memory', error);
  }
}
