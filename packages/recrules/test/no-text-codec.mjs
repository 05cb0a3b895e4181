// Preloaded (`node --import ./test/no-text-codec.mjs`) with
// RECRULES_NO_TEXT_CODEC=1: removes TextDecoder and TextEncoder, as on Hermes
// before React Native 0.74 (0.85 for TextDecoder), so the JavaScript build's
// tests run its own UTF-8 (js/text-codec.js). test/build.mjs asserts they are gone.
delete globalThis.TextDecoder;
delete globalThis.TextEncoder;
