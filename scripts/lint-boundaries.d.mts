export const LAYERS: Record<string, string[]>;
export function fileProblems(file: string, text: string): string[];
export function treeProblems(root?: string): string[];
