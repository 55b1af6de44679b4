// Which IO the shim sets up, decided (as containerd does) by the scheme of the stdout URI.

export type OutputTarget =
  | { kind: 'null' }
  | { kind: 'fifo' }
  | { kind: 'file'; path: string }
  | { kind: 'binary'; path: string; args: string[]; requireReadyByte: boolean };

const schemePattern = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;

/** URL scheme as Go's url.Parse sees it: empty for a plain path */
export function uriScheme(uri: string): string {
  const m = schemePattern.exec(uri);
  return m ? (m[1] as string).toLowerCase() : '';
}

function decodedPath(url: URL): string {
  return decodeURIComponent(url.pathname);
}

/** the logging binary's argv: for each query key, the key then its first value */
export function binaryArgs(params: URLSearchParams): string[] {
  const args: string[] = [];
  const seen = new Set<string>();
  for (const [key, value] of params) {
    if (seen.has(key)) continue;
    seen.add(key);
    args.push(key, value);
  }
  return args;
}

export function parseOutputTarget(stdin: string, stdout: string, stderr: string): OutputTarget {
  if (stdin === '' && stdout === '' && stderr === '') return { kind: 'null' };
  const scheme = uriScheme(stdout);
  switch (scheme) {
    case '':
      return { kind: 'fifo' };
    case 'file': {
      const path = decodedPath(new URL(stdout));
      if (path === '') throw new Error(`file path is empty in stdio URI ${stdout}`);
      return { kind: 'file', path };
    }
    case 'binary':
    case 'binary-v2': {
      const url = new URL(stdout);
      const path = decodedPath(url);
      if (path === '') throw new Error(`logging binary path is empty in stdio URI ${stdout}`);
      return {
        kind: 'binary',
        path,
        args: binaryArgs(url.searchParams),
        requireReadyByte: scheme === 'binary-v2',
      };
    }
    default:
      throw new Error(`unknown STDIO scheme ${scheme}`);
  }
}
