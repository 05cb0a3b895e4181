// The files the API tests read, as text. On Hermes (no file system) the
// bundle holds the same texts instead (test/hermes/hermes.test.mjs).
// Not a test file itself: `*.test.mjs` only are run.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../../..");

/** The Dual seed settings (fixtures/settings/seed-dual.json). */
export const seedDual = readFileSync(path.join(repo, "fixtures/settings/seed-dual.json"), "utf8");
