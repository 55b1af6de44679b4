// The name of the shim's own debug service beside the Task API, which `tsshim shim dump` calls.
export const DEBUG_SERVICE = 'tsshim.debug.v1.Debug';
