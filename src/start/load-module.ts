import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/**
 * Loads a package's ES module build synchronously (Node.js ≥ 22.12 can `require` an ES module), for the
 * parts only some settings need: they cost nothing unless asked for, and are ready before the app's
 * first statement. Resolving as `import` does gives the instances spanlens' own imports share; a
 * `require` by package name would load the CommonJS build, a second copy of it and of what it imports.
 */
export function loadModule<T>(specifier: string): T {
  return require(fileURLToPath(import.meta.resolve(specifier))) as T;
}
