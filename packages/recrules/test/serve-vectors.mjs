// A line-oriented runner for the native-vs-wasm differential test
// (sdk-wasm/tests/differential.rs): each line read on stdin is one vector's
// JSON text (settings inline); each line written on stdout is the package's
// outcome for it, `runVector`'s answer as JSON, or `{"thrown": message}`
// when the package threw. The vector reaches the rules as text, unchanged.
import { createInterface } from "node:readline";

import { runVector } from "../dist/vectors/recrules.js";

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (line.trim() === "") continue;
  let answer;
  try {
    answer = runVector(line, null);
  } catch (e) {
    answer = { thrown: String(e?.message ?? e) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
}
