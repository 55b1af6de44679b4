// tsshim.debug.v1.Debug: our own ttrpc service next to the Task API (the Task API has no way to ask for a
// dump). Dump takes an empty request and answers with the dump as UTF-8 JSON (not protobuf), after writing
// the same dump to the shim's log.
import type { ServiceMethods } from '../../ttrpc/index.ts';
import type { LogFn } from '../logger.ts';
import { collectDump, logDump, type DumpSources } from './dump.ts';

export { DEBUG_SERVICE } from '../../contract/debug-service.ts';

export function debugMethods(sources: () => DumpSources, log: LogFn): ServiceMethods {
  return {
    Dump: () => {
      const dump = collectDump(sources());
      logDump(log, dump);
      return Buffer.from(JSON.stringify(dump));
    },
  };
}
