import { InstrumentationBase, type InstrumentationConfig, InstrumentationNodeModuleDefinition, isWrapped } from '@opentelemetry/instrumentation';
import { VERSION } from '../version.js';

export const INSTRUMENTATION_NAME = 'spanlens/instrumentation-pg-pool-query';
// The versions instrumentation-pg 0.77 supports.
const SUPPORTED_VERSIONS = ['>=2.0.0 <4'];

export interface PgPoolQueryInstrumentationConfig extends InstrumentationConfig {
  /** Called synchronously inside the app's `pool.query(text)`, in its context, before the pool runs it. */
  onQuery?: (text: string) => void;
}

type PoolQuery = (this: unknown, ...args: unknown[]) => unknown;
interface PoolPrototype {
  query: PoolQuery;
}

/**
 * Tells spanlens when the app calls `pool.query()` of `pg-pool` (the `pg.Pool` most apps use). The pool
 * runs the statement later, after `process.nextTick` or a new connection, where the app's frame is no
 * longer on the stack; this call is the last moment it is. It adds no span and changes nothing else.
 */
export class PgPoolQueryInstrumentation extends InstrumentationBase<PgPoolQueryInstrumentationConfig> {
  constructor(config: PgPoolQueryInstrumentationConfig = {}) {
    super(INSTRUMENTATION_NAME, VERSION, config);
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    return [
      new InstrumentationNodeModuleDefinition(
        'pg-pool',
        SUPPORTED_VERSIONS,
        (moduleExports: unknown) => {
          const prototype = poolPrototypeOf(moduleExports);
          if (prototype === undefined) return moduleExports;
          if (isWrapped(prototype.query)) this._unwrap(prototype, 'query');
          this._wrap(prototype, 'query', this.queryPatch());
          return moduleExports;
        },
        (moduleExports: unknown) => {
          const prototype = poolPrototypeOf(moduleExports);
          if (prototype !== undefined && isWrapped(prototype.query)) this._unwrap(prototype, 'query');
        },
      ),
    ];
  }

  private queryPatch() {
    const plugin = this;
    return (original: PoolQuery): PoolQuery =>
      function query(this: unknown, ...args: unknown[]): unknown {
        const text = textOf(args[0]);
        if (text !== undefined) {
          try {
            plugin.getConfig().onQuery?.(text);
          } catch (error) {
            plugin._diag.debug(`pool.query hook failed: ${String(error)}`);
          }
        }
        return original.apply(this, args);
      };
  }
}

function poolPrototypeOf(moduleExports: unknown): PoolPrototype | undefined {
  const exported = (moduleExports as { default?: unknown } | undefined)?.default ?? moduleExports;
  if (typeof exported !== 'function') return undefined;
  const prototype = (exported as { prototype?: Partial<PoolPrototype> }).prototype;
  return typeof prototype?.query === 'function' ? (prototype as PoolPrototype) : undefined;
}

/** `pool.query(text, …)` or `pool.query({ text, … })`. */
function textOf(first: unknown): string | undefined {
  if (typeof first === 'string') return first;
  const text = (first as { text?: unknown } | null | undefined)?.text;
  return typeof text === 'string' ? text : undefined;
}
