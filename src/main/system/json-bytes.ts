/**
 * The bytes `s` takes inside a JSON text encoded as UTF-8, without its quotes: exactly
 * `Buffer.byteLength(JSON.stringify(s)) - 2`, without building either. What a string really
 * costs in an answer or an event, where `s.length` counts characters: a control character is 6
 * bytes once escaped (`\u0001`), a CJK character 3. Linear, one pass, no allocation.
 */
/** Characters JSON escapes, and surrogates (a lone one is escaped). */
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

export function jsonStringBytes(s: string): number {
  // Most text needs no escape: then UTF-8's own count (native) is the answer.
  if (!NEEDS_ESCAPE.test(s)) return Buffer.byteLength(s, 'utf8');
  let bytes = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c >= 0x20) bytes += c === 0x22 || c === 0x5c ? 2 : 1;
      // \b \t \n \f \r have two-character escapes; other control characters \u00XX.
      else bytes += c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d ? 2 : 6;
    } else if (c < 0x800) {
      bytes += 2;
    } else if (c >= 0xd800 && c <= 0xdbff) {
      const next = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else {
        bytes += 6; // a lone high surrogate is escaped as \uXXXX
      }
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      bytes += 6; // a lone low surrogate, likewise
    } else {
      bytes += 3;
    }
  }
  return bytes;
}
