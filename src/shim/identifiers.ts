// Container, exec and namespace ids as containerd's identifiers package accepts them. They become file and
// directory names (`<bundle>/<exec id>.pid`, runc's `<root>/<namespace>/<id>`, FIFO and socket names), so the
// shim refuses at its boundary what containerd itself would never create: a `/`, a `..`, a newline, a
// leading dot or dash, or a name longer than the 76 characters containerd allows.

export const IDENTIFIER_MAX_LENGTH = 76;
/** containerd's own pattern, quoted in the error so a person can see what is allowed */
export const IDENTIFIER_PATTERN = /^[A-Za-z0-9]+(?:[._-](?:[A-Za-z0-9]+))*$/;

/** An id in an error message: quoted and escaped like Go's %q, and cut short so a hostile 4 MiB id does not
 *  make a 4 MiB answer. */
function quote(id: string): string {
  const shown = id.length > 2 * IDENTIFIER_MAX_LENGTH ? `${id.slice(0, 2 * IDENTIFIER_MAX_LENGTH)}...` : id;
  return JSON.stringify(shown);
}

/** What is wrong with `id` as an identifier, in containerd's words; undefined when it is valid. */
export function identifierProblem(id: string): string | undefined {
  if (id.length === 0) return 'identifier must not be empty';
  // containerd counts bytes (Go's len)
  if (Buffer.byteLength(id, 'utf8') > IDENTIFIER_MAX_LENGTH)
    return `identifier ${quote(id)} greater than maximum length (${IDENTIFIER_MAX_LENGTH} characters)`;
  if (!IDENTIFIER_PATTERN.test(id)) return `identifier ${quote(id)} must match ${IDENTIFIER_PATTERN.source}`;
  return undefined;
}

/** `start` and `delete` take the container id and namespace from containerd's command line; they name the
 *  socket, runc's state directory and the daemon's own flags, so they are held to the same rule. */
export function checkFlagIdentifiers(flags: { id: string; namespace: string }): void {
  for (const [flag, value] of [
    ['-namespace', flags.namespace],
    ['-id', flags.id],
  ] as const) {
    const problem = identifierProblem(value);
    if (problem) throw new Error(`invalid ${flag}: ${problem}`);
  }
}
