import path from 'node:path';
import { type CallSite, CallSiteFinder } from '../../../../src/call-sites/call-site';

/** spanlens' sources and this folder: neither is the app a test stands for. */
export const NOT_THE_APP = [path.resolve(__dirname, '../../../../src'), __dirname];

/** Counts the stacks it captures: the cost that must be paid once per N+1 group, never per operation. */
export class CountingFinder extends CallSiteFinder {
  captures = 0;

  constructor(notTheApp: readonly string[] = NOT_THE_APP) {
    super(notTheApp);
  }

  override capture(): CallSite | null {
    this.captures += 1;
    return super.capture();
  }
}
