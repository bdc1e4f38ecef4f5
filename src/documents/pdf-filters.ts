/**
 * @module PDF stream filters as PDF.js decodes them, for the size check before it does: the
 * compressing ones (Flate, LZW, RunLength) only count their output, holding none of it; the ASCII
 * ones, which at most grow a stream fourfold, decode. Ported from PDF.js's own decoders on purpose:
 * zlib refuses streams PDF.js reads (a back-reference before the start, an empty stored block,
 * incomplete Huffman codes), so a bomb behind such a flaw would pass a zlib count and still
 * inflate in PDF.js.
 */

/** Output bytes of a decoder, stopping as soon as they pass `limit` (`earlyChange`: LZW's parameter). */
export type Counter = (data: Uint8Array, limit: number, earlyChange?: number) => number;

/** PDF.js's Huffman table: entry = code length << 16 | symbol, indexed by the reversed code. */
type Table = [codes: Int32Array, maxLength: number];

function huffmanTable(lengths: ArrayLike<number>): Table {
  let max = 0;
  for (let i = 0; i < lengths.length; i++) max = Math.max(max, lengths[i] ?? 0);
  const size = 1 << max;
  const codes = new Int32Array(size);
  for (let len = 1, code = 0, skip = 2; len <= max; ++len, code <<= 1, skip <<= 1) {
    for (let val = 0; val < lengths.length; ++val) {
      if (lengths[val] !== len) continue;
      let reversed = 0;
      for (let i = 0, t = code; i < len; ++i, t >>= 1) reversed = (reversed << 1) | (t & 1);
      for (let i = reversed; i < size; i += skip) codes[i] = (len << 16) | val;
      ++code;
    }
  }
  return [codes, max];
}

const FIXED_LITERALS = huffmanTable(Array.from({ length: 288 }, (_, i) => (i < 144 || i > 279 ? 8 : i < 256 ? 9 : 7)));
const FIXED_DISTANCES = huffmanTable(new Array<number>(30).fill(5));
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
/** extra bits << 16 | base, per length symbol − 257 (PDF.js's table, 286 and 287 included). */
const LENGTHS = [
  3, 4, 5, 6, 7, 8, 9, 10, 65547, 65549, 65551, 65553, 131091, 131095, 131099, 131103, 196643, 196651, 196659, 196667,
  262211, 262227, 262243, 262259, 327811, 327843, 327875, 327907, 258, 258, 258,
];
/** extra bits << 16 | base, per distance symbol. */
const DISTANCES = [
  1, 2, 3, 4, 65541, 65543, 131081, 131085, 196625, 196633, 262177, 262193, 327745, 327777, 393345, 393409, 459009,
  459137, 524801, 525057, 590849, 591361, 657409, 658433, 724993, 727041, 794625, 798721, 868353, 876545,
];

class Truncated extends Error {}

/** FlateDecode (zlib), read the way PDF.js's FlateStream reads it. */
export const flateSize: Counter = (data, limit) => flate(data, limit, false).size;

/** FlateDecode's output, up to a little past `limit` bytes (for object streams, which are read). */
export const inflate = (data: Uint8Array, limit: number): Uint8Array => flate(data, limit, true).bytes;

function flate(data: Uint8Array, limit: number, keep: boolean): { size: number; bytes: Uint8Array } {
  let bytes = new Uint8Array(keep ? Math.min(limit + 1, 1 << 16) : 0);
  const ensure = (n: number) => {
    if (!keep || n <= bytes.length) return;
    const grown = new Uint8Array(Math.max(n, bytes.length * 2));
    grown.set(bytes);
    bytes = grown;
  };
  const cmf = data[0] ?? -1;
  const flg = data[1] ?? -1;
  // PDF.js refuses the stream outright on these.
  if (flg < 0 || (cmf & 0x0f) !== 8 || ((cmf << 8) + flg) % 31 !== 0 || flg & 0x20) return { size: 0, bytes };
  let pos = 2;
  let buf = 0;
  let bits = 0;
  let out = 0;
  const byte = () => (pos < data.length ? (data[pos++] ?? -1) : -1);
  const getBits = (n: number) => {
    while (bits < n) {
      const b = byte();
      if (b < 0) throw new Truncated();
      buf |= b << bits;
      bits += 8;
    }
    const v = buf & ((1 << n) - 1);
    buf >>= n;
    bits -= n;
    return v;
  };
  const getCode = ([codes, max]: Table) => {
    let b: number;
    while (bits < max && (b = byte()) >= 0) {
      buf |= b << bits;
      bits += 8;
    }
    const entry = codes[buf & ((1 << max) - 1)] ?? 0;
    const len = entry >> 16;
    if (len < 1 || bits < len) throw new Truncated(); // PDF.js: "Bad encoding in flate stream"
    buf >>= len;
    bits -= len;
    return entry & 0xffff;
  };
  try {
    for (let last = false; !last && out <= limit;) {
      let header: number;
      try {
        header = getBits(3);
      } catch {
        break;
      }
      last = (header & 1) === 1;
      header >>= 1;
      if (header === 0) {
        const [a, b, c, d] = [byte(), byte(), byte(), byte()];
        if (d < 0) break;
        const len = a | (b << 8);
        if ((c | (d << 8)) !== (~len & 0xffff) && (len !== 0 || c !== 0 || d !== 0)) break;
        [buf, bits] = [0, 0];
        ensure(out + len);
        if (keep) bytes.set(data.subarray(pos, pos + len), out);
        out += len; // PDF.js sizes its buffer for the whole block, whatever is left
        pos += len;
        if (pos >= data.length) break;
        continue;
      }
      let literals = FIXED_LITERALS;
      let distances = FIXED_DISTANCES;
      if (header === 2) [literals, distances] = dynamicTables(getBits, getCode);
      else if (header !== 1) break;
      for (;;) {
        let sym = getCode(literals);
        if (sym < 256) {
          ensure(out + 1);
          if (keep) bytes[out] = sym;
          if (++out > limit) break;
          continue;
        }
        if (sym === 256) break;
        sym = LENGTHS[sym - 257] ?? 0;
        const length = (sym & 0xffff) + (sym >> 16 > 0 ? getBits(sym >> 16) : 0);
        const d = DISTANCES[getCode(distances)] ?? 0;
        const distance = (d & 0xffff) + (d >> 16 > 0 ? getBits(d >> 16) : 0);
        ensure(out + length);
        // Before the start reads as 0, as in PDF.js.
        if (keep) for (let k = out; k < out + length; k++) bytes[k] = bytes[k - distance] ?? 0;
        out += length;
        if (out > limit) break;
      }
    }
  } catch (e) {
    if (!(e instanceof Truncated)) throw e;
  }
  return { size: out, bytes: bytes.subarray(0, Math.min(out, bytes.length)) };
}

function dynamicTables(getBits: (n: number) => number, getCode: (t: Table) => number): [Table, Table] {
  const literalCount = getBits(5) + 257;
  const distanceCount = getBits(5) + 1;
  const lengthCodeCount = getBits(4) + 4;
  const lengthCodeLengths = new Uint8Array(19);
  for (let i = 0; i < lengthCodeCount; ++i) lengthCodeLengths[CODE_LENGTH_ORDER[i] ?? 0] = getBits(3);
  const lengthCodes = huffmanTable(lengthCodeLengths);
  const total = literalCount + distanceCount;
  const lengths = new Uint8Array(total);
  for (let i = 0, prev = 0; i < total;) {
    const code = getCode(lengthCodes);
    if (code < 16) {
      lengths[i++] = prev = code;
      continue;
    }
    // 16 repeats the previous length, 17 and 18 repeat zero.
    const [bitCount, offset] = code === 16 ? [2, 3] : code === 17 ? [3, 3] : [7, 11];
    if (code !== 16) prev = 0;
    for (let n = getBits(bitCount) + offset; n-- > 0;) lengths[i++] = prev;
  }
  return [huffmanTable(lengths.subarray(0, literalCount)), huffmanTable(lengths.subarray(literalCount, total))];
}

/** LZWDecode, as PDF.js's LZWStream reads it: only each dictionary entry's length is kept. */
export const lzwSize: Counter = (data, limit, earlyChange = 1) => {
  const lengths = new Uint16Array(4096); // PDF.js's size: entries past it are dropped, as there
  lengths.fill(1, 0, 256);
  let [pos, cached, cachedBits] = [0, 0, 0];
  let [next, codeLength, prev, current, out] = [258, 9, 0, 0, 0];
  while (out <= limit) {
    while (cachedBits < codeLength) {
      if (pos >= data.length) return out;
      cached = (cached << 8) | (data[pos++] ?? 0);
      cachedBits += 8;
    }
    cachedBits -= codeLength;
    const code = (cached >>> cachedBits) & ((1 << codeLength) - 1);
    const continues = current > 0;
    if (code < 256) current = 1;
    else if (code >= 258) current = code < next ? (lengths[code] ?? 0) : current + 1;
    else if (code === 256) {
      [codeLength, next, current] = [9, 258, 0];
      continue;
    } else return out; // 257: end of data
    if (continues) {
      lengths[next] = (lengths[prev] ?? 0) + 1;
      next++;
      const n = next + earlyChange;
      // PDF.js's expression, rounding included.
      if ((n & (n - 1)) === 0) codeLength = Math.min(Math.log(n) / 0.6931471805599453 + 1, 12) | 0;
    }
    prev = code;
    out += current;
  }
  return out;
};

/** RunLengthDecode: a length byte, then that many + 1 bytes, or one byte repeated 257 − length times. */
export const runLengthSize: Counter = (data, limit) => {
  let [pos, out] = [0, 0];
  while (pos + 1 < data.length && out <= limit) {
    const n = data[pos] ?? 128;
    if (n === 128) break;
    if (n < 128) {
      out += n + 1;
      pos += n + 2;
    } else {
      out += 257 - n;
      pos += 2;
    }
  }
  return out;
};

/** ASCIIHexDecode: hex digits up to `>`, anything else skipped (as PDF.js does). */
export function asciiHex(data: Uint8Array): Uint8Array {
  const out = new Uint8Array((data.length + 1) >> 1);
  let [n, first] = [0, -1];
  for (const c of data) {
    let digit: number;
    if (c >= 0x30 && c <= 0x39) digit = c & 0x0f;
    else if ((c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)) digit = (c & 0x0f) + 9;
    else if (c === 0x3e) break;
    else continue;
    if (first < 0) first = digit;
    else [out[n++], first] = [(first << 4) | digit, -1];
  }
  if (first >= 0) out[n++] = first << 4;
  return out.subarray(0, n);
}

const isWhite = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d; // PDF.js's whitespace

/** ASCII85Decode up to `~`: `z` is four zero bytes, so the output may be 4 times the input; stops past `limit`. */
export function ascii85(data: Uint8Array, limit: number): Uint8Array {
  const out = new Uint8Array(Math.min(data.length * 4, limit + 4));
  const group = new Array<number>(5);
  let [pos, n] = [0, 0];
  const next = () => {
    let c = data[pos++] ?? -1;
    while (isWhite(c)) c = data[pos++] ?? -1;
    return c;
  };
  while (n + 4 <= out.length) {
    const c = next();
    if (c < 0 || c === 0x7e) break;
    if (c === 0x7a) {
      n += 4; // already zeros
      continue;
    }
    group[0] = c;
    let count = 1;
    for (; count < 5; ++count) {
      const d = next();
      if (d < 0 || d === 0x7e) break;
      group[count] = d;
    }
    group.fill(0x75, count); // a short last group is padded with "u"
    const value = group.reduce((v, g) => v * 85 + (g - 33), 0);
    for (let k = 0; k < count - 1; ++k) out[n++] = (value / 2 ** (24 - 8 * k)) & 0xff;
    if (count < 5) break;
  }
  return out.subarray(0, n);
}
