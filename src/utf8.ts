/** Where the first byte sequence that is not valid UTF-8 starts, for a located problem. */
export interface InvalidUtf8 {
  /** 1-based line of the first invalid byte. */
  line: number;
  /** 1-based column, in characters, of the first invalid byte on its line. */
  column: number;
  /** The first invalid byte as two hex digits, e.g. `ff`. */
  byte: string;
}

const REPLACEMENT = "\uFFFD";

/**
 * Decodes UTF-8 strictly (WHATWG `TextDecoder` with `fatal: true`) and drops a leading byte
 * order mark. Invalid input returns where the first invalid sequence starts instead of text
 * with replacement characters in it.
 */
export function decodeUtf8(bytes: Uint8Array): { text: string; invalid?: undefined } | { text?: undefined; invalid: InvalidUtf8 } {
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    return { invalid: locateInvalidUtf8(bytes) };
  }
}

/**
 * Finds the first invalid sequence by decoding leniently and walking the code points alongside
 * the bytes. Up to the first replacement character that the input did not itself encode
 * (as EF BF BD), every code point has consumed exactly its UTF-8 length in bytes.
 */
function locateInvalidUtf8(bytes: Uint8Array): InvalidUtf8 {
  const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
  let offset = 0;
  let line = 1;
  let column = 1;
  for (const character of text) {
    const isEncodedReplacement = bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd;
    if (character === REPLACEMENT && !isEncodedReplacement) break;

    offset += utf8Length(character.codePointAt(0)!);
    if (character === "\uFEFF" && offset === 3) continue;
    if (character === "\n") {
      line += 1;
      column = 1;
    } else {
      column += 1;
    }
  }
  return { line, column, byte: (bytes[offset] ?? 0).toString(16).padStart(2, "0") };
}

function utf8Length(codePoint: number): number {
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  if (codePoint < 0x10000) return 3;
  return 4;
}

/** The problem text for invalid UTF-8, shared by every reader of input files. */
export function invalidUtf8Message(invalid: InvalidUtf8): string {
  return `file is not valid UTF-8 text (invalid byte 0x${invalid.byte} on line ${invalid.line}); save it as UTF-8`;
}
