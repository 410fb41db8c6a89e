import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { KEYV_VERSIONS } from './harness';

/*
 * Jest does not go through require-in-the-middle or import-in-the-middle, so these tests run small apps in
 * child processes where the instrumentation is enabled as the SDK enables it. Each app sees its own
 * `node_modules/keyv`: a copy of keyv 5 or 6 under its real name, since the hooks match packages by name.
 */

const ROOT = path.join(__dirname, '../../..');
const FIXTURES = path.join(__dirname, 'fixtures');
let workDir: string;

interface SpanSummary {
  name: string;
  attributes: Record<string, unknown>;
}

function transpile(sourceFile: string, outputFile: string): void {
  const { outputText } = ts.transpileModule(readFileSync(sourceFile, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    fileName: sourceFile,
  });
  mkdirSync(path.dirname(outputFile), { recursive: true });
  writeFileSync(outputFile, outputText);
}

function transpileDirectory(from: string, to: string): void {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    if (entry.isDirectory()) transpileDirectory(source, path.join(to, entry.name));
    else if (entry.name.endsWith('.ts')) transpile(source, path.join(to, entry.name.replace(/\.ts$/, '.js')));
  }
}

beforeAll(() => {
  workDir = mkdtempSync(path.join(os.tmpdir(), 'spanlens-keyv-'));
  writeFileSync(path.join(workDir, 'package.json'), JSON.stringify({ type: 'module' }));
  transpileDirectory(path.join(ROOT, 'instrumentations/keyv'), path.join(workDir, 'instrumentations/keyv'));
  for (const file of ['version', 'id-patterns', 'truncate', 'quoted-text']) transpile(path.join(ROOT, `src/${file}.ts`), path.join(workDir, `src/${file}.js`));
  for (const name of ['tracing.mjs', 'register.mjs']) cpSync(path.join(FIXTURES, name), path.join(workDir, name));
  mkdirSync(path.join(workDir, 'node_modules'));
  // Symlinks resolve to the project's own copies, so there is one @opentelemetry/api and one hook module.
  for (const name of ['@opentelemetry', 'import-in-the-middle', '@keyv']) {
    symlinkSync(path.join(ROOT, 'node_modules', name), path.join(workDir, 'node_modules', name));
  }
  for (const { alias } of KEYV_VERSIONS) {
    const app = path.join(workDir, alias);
    cpSync(path.join(ROOT, 'node_modules', alias), path.join(app, 'node_modules/keyv'), { recursive: true, dereference: true });
    for (const name of ['esm-app.mjs', 'cjs-app.cjs']) cpSync(path.join(FIXTURES, name), path.join(app, name));
  }
});

afterAll(() => {
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
});

function runApp(alias: string, args: string[]): unknown {
  const result = spawnSync(process.execPath, args, { cwd: path.join(workDir, alias), encoding: 'utf8', timeout: 20_000 });
  if (result.status !== 0) throw new Error(`app exited with ${result.status}:\n${result.stderr}`);
  const lastLine = result.stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(lastLine);
}

describe.each(KEYV_VERSIONS)('$label loaded by an app', ({ alias }) => {
  it('patches keyv imported as an ES module (through import-in-the-middle) and required as CommonJS, and disable() restores both', () => {
    const report = runApp(alias, ['--import', '../register.mjs', 'esm-app.mjs']) as {
      enabled: SpanSummary[];
      disabled: number;
      reenabled: number;
      sameClass: boolean;
    };

    expect(report.sameClass).toBe(false);
    expect(report.enabled.map((span) => [span.name, span.attributes['spanlens.cache.namespace'], span.attributes['spanlens.cache.hit']])).toEqual([
      ['keyv.set', 'esm', undefined],
      ['keyv.get', 'esm', true],
      ['keyv.get', 'cjs', false],
    ]);
    expect(report.enabled[1]!.attributes).toMatchObject({ 'spanlens.cache.store': 'memory', 'spanlens.cache.key_pattern': 'user:{id}' });
    expect(report.disabled).toBe(0);
    expect(report.reenabled).toBe(2);
  });

  it('patches keyv required by a CommonJS app (through require-in-the-middle), and disable() restores it', () => {
    const report = runApp(alias, ['cjs-app.cjs']) as { enabled: SpanSummary[]; disabled: number };

    expect(report.enabled.map((span) => [span.name, span.attributes['spanlens.cache.hits'], span.attributes['spanlens.cache.misses']])).toEqual([
      ['keyv.set', undefined, undefined],
      ['keyv.getMany', 1, 1],
    ]);
    expect(report.disabled).toBe(0);
  });
});
