// Bundles the console into dist/ (served by lapps/console, embedded with
// include_bytes!): app.js (CodeMirror and the rules' web glue, by esbuild),
// the page, its style, the service worker, the rules' .wasm from the npm
// package's web build and the settings' JSON Schema.
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const dist = join(here, "dist");
mkdirSync(dist, { recursive: true });
await build({
  entryPoints: [join(here, "src/app.js")],
  outfile: join(dist, "app.js"),
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  legalComments: "eof",
  logLevel: "warning",
});
for (const f of ["index.html", "app.css", "sw.js"]) copyFileSync(join(here, "src", f), join(dist, f));
copyFileSync(join(root, "packages/recrules/dist/web/recrules_bg.wasm"), join(dist, "recrules_bg.wasm"));
copyFileSync(join(root, "schema/settings.schema.json"), join(dist, "settings.schema.json"));
console.log("console: built dist/");
