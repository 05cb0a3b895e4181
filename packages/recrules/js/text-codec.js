// Put by scripts/build-wasm.sh at the head of the JavaScript build's glue
// (dist/js/recrules_bg.js): UTF-8 for the strings between JS and the rules
// where the engine has no TextDecoder or TextEncoder. Hermes, React Native's
// engine, has TextEncoder since React Native 0.74 and TextDecoder only since
// 0.85; the glue makes both when it loads. The engine's own are used when
// present. Tested by the package's tests with both removed
// (RECRULES_NO_TEXT_CODEC=1, test/no-text-codec.mjs).
const TextDecoder = globalThis.TextDecoder ?? class {
  /** UTF-8 to a string, by the Encoding standard's decoder: each malformed sequence gives one U+FFFD, as TextDecoder without `fatal` (the rules only send valid UTF-8). */
  decode(bytes) {
    if (bytes === undefined) return "";
    // ASCII, all the rules send but people's own texts, at the engine's
    // speed: made in chunks by String.fromCharCode, and kept when no byte
    // was above 0x7f (a regular expression looks, natively too). Hermes 0.12
    // takes about 50 times as long for the loop below.
    let ascii = "";
    for (let i = 0; i < bytes.length; i += 8192) {
      ascii += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
    }
    if (!/[\u0080-\u00ff]/.test(ascii)) return ascii;
    let out = "";
    const units = [];
    const emit = (c) => {
      if (c > 0xffff) {
        c -= 0x10000;
        units.push(0xd800 + (c >> 10), 0xdc00 + (c & 0x3ff));
      } else {
        units.push(c);
      }
      if (units.length >= 8192) {
        out += String.fromCharCode.apply(null, units);
        units.length = 0;
      }
    };
    let needed = 0, seen = 0, cp = 0, lower = 0x80, upper = 0xbf;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (needed === 0) {
        if (b <= 0x7f) {
          emit(b);
        } else if (b >= 0xc2 && b <= 0xdf) {
          needed = 1;
          cp = b & 0x1f;
        } else if (b >= 0xe0 && b <= 0xef) {
          if (b === 0xe0) lower = 0xa0;
          if (b === 0xed) upper = 0x9f;
          needed = 2;
          cp = b & 0x0f;
        } else if (b >= 0xf0 && b <= 0xf4) {
          if (b === 0xf0) lower = 0x90;
          if (b === 0xf4) upper = 0x8f;
          needed = 3;
          cp = b & 0x07;
        } else {
          emit(0xfffd);
        }
        continue;
      }
      if (b < lower || b > upper) {
        // The sequence ends before this byte, which starts afresh.
        needed = seen = cp = 0;
        lower = 0x80;
        upper = 0xbf;
        emit(0xfffd);
        i--;
        continue;
      }
      lower = 0x80;
      upper = 0xbf;
      cp = (cp << 6) | (b & 0x3f);
      if (++seen === needed) {
        emit(cp);
        needed = seen = cp = 0;
      }
    }
    if (needed !== 0) emit(0xfffd);
    return out + String.fromCharCode.apply(null, units);
  }
};
const TextEncoder = globalThis.TextEncoder ?? class {
  /** A string to UTF-8; a lone surrogate gives U+FFFD, as TextEncoder. */
  encode(text = "") {
    const s = String(text);
    const bytes = [];
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
        }
      }
      if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
      if (c < 0x80) {
        bytes.push(c);
      } else if (c < 0x800) {
        bytes.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
      } else if (c < 0x10000) {
        bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
      } else {
        bytes.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
      }
    }
    return new Uint8Array(bytes);
  }
};
