/**
 * UTF-8 bytes to and from JS strings, for decoding dictionaries and keys once (never per
 * row on a hot path). Pure typed-array code: no RxJS, no Arrow objects.
 */

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** The string held in `bytes[start, end)`. ASCII is decoded by hand (short keys are the common case). */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  const len = end - start;
  if (len <= 0) return '';
  if (len <= 24) {
    let ascii = true;
    for (let k = start; k < end; k++) {
      if (bytes[k] > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      let s = '';
      for (let k = start; k < end; k++) s += String.fromCharCode(bytes[k]);
      return s;
    }
  }
  return decoder.decode(bytes.subarray(start, end));
}

/** The bytes of `bytes[start, end)` as a Latin-1 string (a hashable key for binary values). */
export function bytesToLatin1(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let k = start; k < end; k++) s += String.fromCharCode(bytes[k]);
  return s;
}

/** The UTF-8 bytes of a string. */
export function encodeUtf8(s: string): Uint8Array {
  return encoder.encode(s);
}
