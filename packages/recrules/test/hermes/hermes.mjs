// Runs a bundle (bundle.mjs) on the Hermes VM of the `hermes-engine-cli`
// package (a dev dependency: Hermes 0.12.0, the engine of React Native 0.69
// to 0.70, without FinalizationRegistry, WeakRef or ES classes), as a release
// app runs it: compiled to bytecode by `hermesc -O`, then run by `hermes`.
// Bundles and bytecode go to <target>/hermes/ (CARGO_TARGET_DIR or the
// repository's target/), never into tracked files.
// Not a test file itself: `*.test.mjs` only are run.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

import { bundle, pkg } from "./bundle.mjs";

const repo = path.resolve(pkg, "../..");
export const outDir = path.join(process.env.CARGO_TARGET_DIR ? path.resolve(repo, process.env.CARGO_TARGET_DIR) : path.join(repo, "target"), "hermes");

/** A binary of hermes-engine-cli (`hermes`, `hermesc`) for this platform. */
export function hermesBinary(name) {
  const dir = { linux: "linux64-bin", darwin: "osx-bin", win32: "win64-bin" }[process.platform];
  const file = path.join(pkg, "node_modules/hermes-engine-cli", dir ?? "linux64-bin", process.platform === "win32" ? `${name}.exe` : name);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm ci\` in packages/recrules`);
  return file;
}

/** The version of the Hermes VM the bundles run on, as `hermes -version` prints it. */
export function hermesVersion() {
  const text = execFileSync(hermesBinary("hermes"), ["-version"], { encoding: "utf8" });
  return text.match(/Hermes release version: (\S+)/)?.[1] ?? "unknown";
}

/**
 * Bundles `options` (see bundle.mjs) as `name`, compiles it to Hermes
 * bytecode and runs it: its standard output's lines. Throws when the VM fails.
 */
export function runOnHermes(name, options, { args = [] } = {}) {
  mkdirSync(outDir, { recursive: true });
  const js = path.join(outDir, `${name}.js`);
  const hbc = path.join(outDir, `${name}.hbc`);
  writeFileSync(js, bundle(options));
  execFileSync(hermesBinary("hermesc"), ["-O", "-emit-binary", "-out", hbc, js], { stdio: ["ignore", "inherit", "inherit"] });
  const ran = spawnSync(hermesBinary("hermes"), [...args, hbc], { encoding: "utf8", maxBuffer: 512 << 20 });
  if (ran.status !== 0) throw new Error(`hermes ${name}.hbc exited with ${ran.status}: ${ran.stderr}${ran.stdout.slice(-2000)}`);
  return ran.stdout.split("\n").filter((l) => l !== "");
}
