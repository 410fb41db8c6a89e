// Start-up cost per mode, hyperfine-like: the wall time from spawning `node [preload] empty.mjs` to its
// exit, `runs` times per mode after one discarded run (files in the page cache, as hyperfine's warm-up),
// the modes interleaved and rotated so that a slow moment hits them all.
import { spawn } from 'node:child_process';
import { EMPTY_SCRIPT } from './modes.mjs';

function timeOneStart(mode, env) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [...mode.preload, EMPTY_SCRIPT], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text) => (stderr += text));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code === 0) resolve(seconds);
      else reject(new Error(`${mode.label}: the empty script exited with ${signal ?? code}${stderr ? `; its stderr:\n${stderr.trim()}` : ''}`));
    });
  });
}

/** `{ [mode name]: seconds[] }`; `environmentOf(mode)` gives each mode's environment. */
export async function measureStartup(modes, environmentOf, runs) {
  const seconds = Object.fromEntries(modes.map((mode) => [mode.name, []]));
  if (runs === 0) return seconds;
  for (let run = -1; run < runs; run++) {
    for (let index = 0; index < modes.length; index++) {
      const mode = modes[(index + run + modes.length) % modes.length];
      const taken = await timeOneStart(mode, environmentOf(mode));
      if (run >= 0) seconds[mode.name].push(taken);
    }
  }
  return seconds;
}
