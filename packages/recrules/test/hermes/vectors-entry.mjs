// On Hermes: every conformance vector the bundle holds (`virtual:vectors`,
// made by hermes.test.mjs from the vector files) run through the JavaScript
// test build's `runVector`; one JSON line per vector, its outcome, which
// hermes.test.mjs compares with the native runner's.
import vectors from "virtual:vectors";
import { runVector } from "../../dist/vectors-js/recrules.js";

for (const v of vectors) {
  let outcome;
  try {
    outcome = runVector(v.text, v.settingsText);
  } catch (e) {
    outcome = { thrown: String((e && e.message) || e) };
  }
  print(JSON.stringify({ place: v.place, outcome }));
}
