// Ajv reports locations as JSON Pointers (`/syscalls/3/action`); people read `$.syscalls[3].action` better.

function unescapePointerToken(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

export function appendPathSegment(path: string, segment: string | number): string {
  if (typeof segment === 'number' || /^\d+$/.test(segment)) return `${path}[${segment}]`;
  if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) return `${path}.${segment}`;
  return `${path}[${JSON.stringify(segment)}]`;
}

export function pointerToJsonPath(pointer: string): string {
  if (pointer === '') return '$';
  return pointer
    .split('/')
    .slice(1)
    .map(unescapePointerToken)
    .reduce<string>((path, token) => appendPathSegment(path, token), '$');
}
