import { InstrumentationBase, type InstrumentationConfig, InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { VERSION } from '../version.js';

export interface ModuleLoadHookConfig extends InstrumentationConfig {
  /** The module to watch, as the app requires or imports it (`pg`). */
  moduleName: string;
  /** Called synchronously when the app first loads the module, before the app gets its exports. */
  onLoad: () => void;
}

/**
 * Tells spanlens when the app loads a module, through the same require and import hooks as the
 * instrumentations; it patches nothing. Used to load what only that module's users need (the SQL
 * parser when the app loads `pg`), so that other processes never pay for it.
 */
export class ModuleLoadHook extends InstrumentationBase<ModuleLoadHookConfig> {
  constructor(config: ModuleLoadHookConfig) {
    super(`spanlens/module-load-hook/${config.moduleName}`, VERSION, config);
  }

  // Called by InstrumentationBase's constructor: only the config is there yet.
  protected init(): InstrumentationNodeModuleDefinition[] {
    const { moduleName } = this.getConfig();
    return [
      new InstrumentationNodeModuleDefinition(moduleName, ['*'], (moduleExports: unknown) => {
        try {
          this.getConfig().onLoad();
        } catch (error) {
          this._diag.debug(`onLoad of ${moduleName} failed: ${String(error)}`);
        }
        return moduleExports;
      }),
    ];
  }
}
