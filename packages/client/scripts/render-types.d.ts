export const GENERATED_FILE: URL;
export function renderTypes(document: unknown): Promise<string>;
