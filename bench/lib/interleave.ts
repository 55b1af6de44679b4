// Rounds run every subject once, in an order that rotates each round (A B C, B C A, ...), so drift in the
// machine's load hits every subject alike.
export async function interleaved<S extends { key: string }, T = number>(
  subjects: readonly S[],
  rounds: number,
  measure: (subject: S, round: number) => Promise<T>,
  onProgress?: (round: number) => void,
): Promise<Map<string, T[]>> {
  const samples = new Map<string, T[]>(subjects.map((s) => [s.key, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < subjects.length; i++) {
      const subject = subjects[(i + round) % subjects.length]!;
      samples.get(subject.key)!.push(await measure(subject, round));
    }
    onProgress?.(round + 1);
  }
  return samples;
}
