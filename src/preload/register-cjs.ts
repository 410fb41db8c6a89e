// Loaded by `--require spanlens/register`: CommonJS-only start-up, no loader hook (and no top-level await,
// which `require` of an ES module forbids).
import { preload } from './preload.js';

preload();
