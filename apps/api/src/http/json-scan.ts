/** What a pre-scan of a JSON body found, before anything was parsed. */
export interface JsonShape {
  /** Every object, array, string, number and literal, object keys included. */
  values: number;
  /** The deepest nesting of objects and arrays: `{}` is 1, `{"a":[]}` is 2. */
  depth: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Bytes that end a number or a literal (`true`, `false`, `null`) in JSON text. */
const DELIMITER = new Uint8Array(256);
for (const c of ' \t\n\r,:[]{}"') DELIMITER[c.charCodeAt(0)] = 1;

/** The index just past the quote that closes the string whose contents start at `from`. */
function endOfString(bytes: Buffer, from: number): number {
  let at = from;
  for (;;) {
    const quote = bytes.indexOf(QUOTE, at);
    if (quote === -1) return bytes.length;
    let backslashes = 0;
    while (bytes[quote - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    at = quote + 1;
  }
}

/**
 * Counts the values and the nesting depth of a JSON body from its raw UTF-8 bytes, without
 * building anything: string contents are skipped with `indexOf` (native), so a 4 MB body takes
 * a few milliseconds. It bounds what `JSON.parse` would allocate before it runs: the heap a parsed
 * body takes grows with its number of values (an empty object costs about 60 bytes of heap for
 * 3 bytes of text), which the byte length alone does not bound.
 *
 * Not a validator: it assumes nothing about syntax and never throws; `JSON.parse` judges
 * validity afterwards. Stops counting once `maxValues` is passed (the caller refuses the body).
 */
export function scanJson(bytes: Buffer, maxValues = Number.POSITIVE_INFINITY): JsonShape {
  const n = bytes.length;
  let values = 0;
  let depth = 0;
  let deepest = 0;
  let i = 0;
  while (i < n && values <= maxValues) {
    const c = bytes[i] as number;
    if (c === 0x7b || c === 0x5b) {
      values++;
      if (++depth > deepest) deepest = depth;
      i++;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
      i++;
    } else if (c === QUOTE) {
      values++;
      i = endOfString(bytes, i + 1);
    } else if (DELIMITER[c] === 1) {
      i++;
    } else {
      values++;
      i++;
      while (i < n && DELIMITER[bytes[i] as number] !== 1) i++;
    }
  }
  return { values, depth: deepest };
}
