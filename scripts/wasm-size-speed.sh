#!/usr/bin/env bash
# Measures the wasm package against its goals and writes bench/wasm.md:
#   size:  the shipped .wasm, raw and gzipped (goal: at most 150 KB gzipped),
#          and the test build's (dist/vectors/, with `runVector`; not shipped);
#   speed: `precheck` per decision in Node (wasm) against native, on the same
#          inputs (sdk/benches/precheck.rs; goal: at most 3x native at 200 activities);
#   the JavaScript build (dist/js/, wasm2js, for engines without WebAssembly):
#          its size, and the same precheck in a Node without WebAssembly (no goal);
#   Hermes: the JavaScript build on React Native's Hermes VM
#          (scripts/wasm-hermes-bench.mjs; goals at 200 activities: history
#          from columns within 1 ms, one-shot precheck within 2 ms, held
#          precheck within 10 µs).
# Expects the package built (scripts/build-wasm.sh). Honours CARGO_TARGET_DIR.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
wasm="packages/recrules/dist/node/recrules_bg.wasm"
[ -f "$wasm" ] || { echo "wasm-size-speed: $wasm is missing; run scripts/build-wasm.sh" >&2; exit 1; }

raw=$(wc -c < "$wasm")
gz=$(gzip -9 -c "$wasm" | wc -c)
test_wasm="packages/recrules/dist/vectors/recrules_bg.wasm"
test_raw=$(wc -c < "$test_wasm")
test_gz=$(gzip -9 -c "$test_wasm" | wc -c)
js_dir="packages/recrules/dist/js"
[ -f "$js_dir/recrules_bg.wasm.js" ] || { echo "wasm-size-speed: $js_dir/recrules_bg.wasm.js is missing; run scripts/build-wasm.sh" >&2; exit 1; }
js_main_raw=$(wc -c < "$js_dir/recrules_bg.wasm.js")
js_main_gz=$(gzip -9 -c "$js_dir/recrules_bg.wasm.js" | wc -c)
js_all_raw=$(cat "$js_dir"/*.js | wc -c)
js_all_gz=$(cat "$js_dir"/*.js | gzip -9 -c | wc -c)
web_all_raw=$(cat packages/recrules/dist/web/*.js packages/recrules/dist/web/recrules_bg.wasm | wc -c)
web_all_gz=$( (cat packages/recrules/dist/web/*.js | gzip -9 -c; gzip -9 -c packages/recrules/dist/web/recrules_bg.wasm) | wc -c)

# Native: criterion prints `GROUP/N  time: [low mid high]` (groups precheck,
# evaluate, columns); take the middle estimate, in ns.
native_log="$(mktemp)"
trap 'rm -f "$native_log"' EXIT
cargo bench -q -p recrules-sdk --bench precheck -- --warm-up-time 1 --measurement-time 5 2>&1 | tee "$native_log" >&2
native_ns_of() {
    awk -v id="$1/$2" '
        $1 == id { found = 1 }
        found && /time:/ {
            sub(/.*\[/, ""); v = $3; u = $4
            f = (u == "ns") ? 1 : (u == "µs" || u == "us") ? 1000 : (u == "ms") ? 1000000 : 1000000000
            printf "%.0f\n", v * f; exit
        }' "$native_log"
}
native_ns() { native_ns_of precheck "$1"; }

wasm_json="$(node scripts/wasm-precheck-bench.mjs 10 200 10000)"
hermes_json="$(node scripts/wasm-hermes-bench.mjs 10 200)"
hermes_version="$(cd packages/recrules && node -e 'console.log(require("hermes-engine-cli/package.json").version)')"
hermes_ns() { echo "$hermes_json" | node -e 'const n = +process.argv[1], k = process.argv[2]; const rows = require("fs").readFileSync(0, "utf8").trim().split("\n").map(JSON.parse); console.log(rows.find((r) => r.n === n)[k]);' "$1" "$2"; }
js_json="$(RECRULES_BUILD=js node --no-expose-wasm scripts/wasm-precheck-bench.mjs 10 200 10000)"
js_ns() { echo "$js_json" | node -e 'const n = +process.argv[1], k = process.argv[2]; const rows = require("fs").readFileSync(0, "utf8").trim().split("\n").map(JSON.parse); console.log(rows.find((r) => r.n === n)[k]);' "$1" "$2"; }
wasm_ns() { echo "$wasm_json" | node -e 'const n = +process.argv[1], k = process.argv[2]; const rows = require("fs").readFileSync(0, "utf8").trim().split("\n").map(JSON.parse); console.log(rows.find((r) => r.n === n)[k]);' "$1" "$2"; }

kb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1024 }'; }
us() { awk -v n="$1" 'BEGIN { printf "%.2f", n / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

{
    echo "## The wasm package: size and speed"
    echo
    echo "Measured by \`scripts/wasm-size-speed.sh\` on $(date -u +%Y-%m-%d) ($(node --version), $(rustc --version | cut -d' ' -f1-2), $(nproc) cores)."
    echo
    echo "| .wasm | raw | gzip -9 | goal |"
    echo "|---|---|---|---|"
    echo "| \`dist/node\`, \`dist/web\` \`recrules_bg.wasm\` (shipped) | $(kb "$raw") KB | $(kb "$gz") KB | at most 150 KB gzipped |"
    echo "| \`dist/vectors/recrules_bg.wasm\` (the package's tests only: + \`runVector\`) | $(kb "$test_raw") KB | $(kb "$test_gz") KB | |"
    echo
    echo "\`precheck\` per decision on the Dual seed's entry 221 (creation limit, posted counts, OTP), the"
    echo "inputs of \`sdk/benches/precheck.rs\`; settings and history read once (\`Rules\`, \`LeadHistory\`),"
    echo "as the native bench builds them once. Native: criterion's estimate (it builds the \`Decision\`"
    echo "and drops it). Node lazy: \`rules.precheckFor(record, 221, user, nowMs, otpMs)\`, then what an app"
    echo "reads (\`allowed\`, and as it is refused, \`failedRules\`, \`failureMessages\`) and \`free()\`. Node held:"
    echo "the same decision, read the same way, made into one \`PrecheckDecision\` held across calls"
    echo "(\`rules.precheckInto(held, record, 221, user, nowMs, otpMs)\`: no new JS object per decision)."
    echo "Lazy (object): \`rules.precheck(record, input, isoNow)\` with the input object (through JSON), read"
    echo "as the lazy one. Full JSON: \`rules.precheck(...).toJSON()\`, the whole 1.3 KB \`Decision\` as a JS"
    echo "object. One-shot: \`precheck(settings, lead, history, input, now)\` with plain objects, which reads"
    echo "the settings and the whole history on every call."
    echo
    echo "| activities | native | Node lazy | ratio | Node held | ratio | Node lazy (object) | ratio | Node full JSON | ratio | Node one-shot |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|"
    for n in 10 200 10000; do
        nat=$(native_ns "$n"); w=$(wasm_ns "$n" ns_per_decision); h=$(wasm_ns "$n" held_ns_per_decision)
        o=$(wasm_ns "$n" lazy_object_ns_per_decision)
        f=$(wasm_ns "$n" full_json_ns_per_decision); one=$(wasm_ns "$n" one_shot_ns_per_decision)
        echo "| $n | $(us "$nat") µs | $(us "$w") µs | $(ratio "$w" "$nat")x | $(us "$h") µs | $(ratio "$h" "$nat")x | $(us "$o") µs | $(ratio "$o" "$nat")x | $(us "$f") µs | $(ratio "$f" "$nat")x | $(us "$one") µs |"
    done
    echo
    echo "Goal at 200 activities: at most 3x native. The machine (2 cores) is shared with other builds:"
    echo "ratios vary by about ±10% from run to run (load average $(cut -d' ' -f1-3 /proc/loadavg) at the end of this run)."
    echo
    echo "### The JavaScript build (engines without WebAssembly: React Native's Hermes)"
    echo
    echo "\`dist/js/\`: the same bindings with the .wasm turned into JavaScript by binaryen's \`wasm2js -Oz\`"
    echo "(\`scripts/build-wasm.sh\`), chosen by the package's \`react-native\` condition and field. No goal"
    echo "applies to it. Sizes as built (Metro's minifier shortens it further in a release bundle):"
    echo
    echo "| | raw | gzip -9 |"
    echo "|---|---|---|"
    echo "| \`dist/js/recrules_bg.wasm.js\` (the module as JavaScript) | $(kb "$js_main_raw") KB | $(kb "$js_main_gz") KB |"
    echo "| all of \`dist/js/\` (+ the glue and its UTF-8 fallback) | $(kb "$js_all_raw") KB | $(kb "$js_all_gz") KB |"
    echo "| all of \`dist/web/\`, for comparison (glue + .wasm) | $(kb "$web_all_raw") KB | $(kb "$web_all_gz") KB |"
    echo
    echo "\`precheck\` as above, the JavaScript build in Node started with \`--no-expose-wasm\` (no"
    echo "WebAssembly at all; V8's JIT, so a phone's Hermes, an interpreter with no JIT, will be slower):"
    echo
    echo "| activities | native | Node wasm lazy | JS lazy | ratio to native | ratio to wasm | JS held | JS full JSON | JS one-shot |"
    echo "|---|---|---|---|---|---|---|---|---|"
    for n in 10 200 10000; do
        nat=$(native_ns "$n"); w=$(wasm_ns "$n" ns_per_decision); j=$(js_ns "$n" ns_per_decision)
        jh=$(js_ns "$n" held_ns_per_decision); jf=$(js_ns "$n" full_json_ns_per_decision); jo=$(js_ns "$n" one_shot_ns_per_decision)
        echo "| $n | $(us "$nat") µs | $(us "$w") µs | $(us "$j") µs | $(ratio "$j" "$nat")x | $(ratio "$j" "$w")x | $(us "$jh") µs | $(us "$jf") µs | $(us "$jo") µs |"
    done
    echo
    echo "### On Hermes $hermes_version (React Native's engine, hermes-engine-cli): issue 12"
    echo
    echo "\`scripts/wasm-hermes-bench.mjs\`: \`dist/js/\` bundled as React Native bundles it (Babel with"
    echo "\`@react-native/babel-preset\`), compiled by \`hermesc -O\`, run by the \`hermes\` VM (an interpreter,"
    echo "no JIT; a phone is slower than this machine). Timer: \`Date.now()\` over rounds of 200 to 400 ms,"
    echo "median of 5. The inputs above; the history as columns (a \`Uint32Array\` of codes, a"
    echo "\`Float64Array\` of epoch milliseconds), \`now\` and \`otpVerifiedAt\` as \`Date.now()\` numbers."
    echo "Native: criterion's \`columns/N\` (the same index built from columns) and \`evaluate/N\` (a held"
    echo "evaluation made anew, in figures)."
    echo
    echo "| at N activities | Hermes, 10 | Hermes, 200 | native, 200 | goal at 200 | |"
    echo "|---|---|---|---|---|---|"
    # A time in ns as µs, or as ms from 1 ms on.
    t() { awk -v n="$1" 'BEGIN { if (n >= 1e6) printf "%.2f ms", n / 1e6; else printf "%.2f µs", n / 1000 }'; }
    hermes_row() { # label, key, goal (ns, or ""), native (ns, or "")
        local goal="${3:-}" native="${4:-}" h10 h200 verdict=""
        h10=$(hermes_ns 10 "$2"); h200=$(hermes_ns 200 "$2")
        if [ -n "$goal" ]; then
            verdict=$(awk -v v="$h200" -v g="$goal" 'BEGIN { print (v <= g) ? "met" : "**not met**" }')
        fi
        echo "| $1 | $(t "$h10") | $(t "$h200") | ${native:+$(t "$native")} | ${goal:+$(t "$goal")} | $verdict |"
    }
    hermes_row "history: \`LeadHistory.fromColumns(lead, codes, createdOnMs)\`, then \`free()\`" columns_ns 1000000 "$(native_ns_of columns 200)"
    hermes_row "history: \`new LeadHistory(lead, activities)\` (objects, ISO strings)" objects_ns
    hermes_row "one-shot: \`precheck(settingsText, lead, {eventCodes, createdOn}, input, nowMs)\`" one_shot_columns_ns 2000000
    hermes_row "one-shot: \`precheck\` with Activity objects" one_shot_ns
    hermes_row "held: \`precheckInto\` one \`PrecheckDecision\`, read as an app reads it, the clock a second on each call" held_ticking_ns 10000
    hermes_row "held, the same moment again" held_ns 10000
    hermes_row "held, evaluated anew on each call (two histories of the same activities in turn: as after each new activity)" held_evaluated_ns "" "$(native_ns_of evaluate 200)"
    hermes_row "\`rules.decide\` (a plain \`Verdict\` object)" decide_ns
    hermes_row "\`precheckFor\`, read, \`free()\`" lazy_ns
    cat <<'NOTES'

What made the Hermes numbers (issue 12; the rules unchanged and still written once, in `sdk`;
every vector, the native-vs-wasm differential proptest and the API tests pass on Node, on the
JavaScript build and on Hermes). When the issue was filed, on this machine: `new LeadHistory`
31-47 ms, one-shot `precheck` 37-50 ms, a held decision 67-93 µs, all at 200 activities.
- Histories as columns: `LeadHistory.fromColumns(lead, eventCodes, createdOnMs)`, and
  `{eventCodes, createdOn}` wherever `precheck`/`planEnd` take `Activity[]`. Codes and epoch
  milliseconds are copied in as typed arrays, with no JSON and no date text. `append` adds an
  activity without a rebuild.
- An index: `sdk::lead::IndexedHistory` keeps each code's creation instants sorted, so a
  window's count is a binary search and the activity that must leave is the n-th after it. It is
  built in one pass (in order, reversed, or by insertion). The rules read `sdk::lead::Activities`,
  which a slice of `Activity` (the server's history, one pass as before) and the index both
  answer. A proptest (`sdk/tests/properties.rs`) checks identical counts, n-th instants and
  whole decisions, with instants at the windows' edges to the nanosecond.
- Instants as `sdk::time::Stamp`: whole milliseconds in an `f64` and the nanoseconds past them.
  A JavaScript number becomes one with no conversion, and two compare in one step, where wasm2js
  emulates chrono's 64-bit arithmetic with pairs of 32-bit numbers (a division takes a loop). A
  `Stamp` and its `Instant` convert both ways without loss and compare alike, leap seconds and
  chrono's ends included (tests in `sdk/src/time.rs`).
- Figures first, words when read: `sdk::validate::Evaluation` evaluates every validation into
  figures (counts, the activity that must leave, the distance) and makes no text;
  `Evaluation::explain` makes the `Decision`. The server's `precheck` is the same evaluation,
  explained, so each rule is written once. A held `PrecheckDecision` makes `failedRules` and
  `failureMessages` once, and keeps them while the same rules fail with the same messages.
- A held evaluation knows until when its figures hold (`Evaluation::advance_to`): while no
  activity enters or leaves a window and no OTP expires or comes to serve. `precheckInto` with
  the same rules, the same history (a version number that every `append` changes) and a `now`
  within that span moves the decision to `now` without evaluating again. Tests compare it with a
  fresh evaluation on both sides of each edge, to the millisecond. A leap second is never moved to.
- One-shot `precheck`/`planEnd` recognise the settings text they read last (`Object.is`) instead
  of checking it again (16.8 ms of a Hermes one-shot was `new Rules(settingsText)`).
- The UTF-8 fallback (Hermes 0.12 has no `TextDecoder`) decodes ASCII with
  `String.fromCharCode` in chunks; its byte loop took about 50 times as long there.
- Size: the slice's n-th activity sorts with the sort that Dual pairing already uses, instead of
  a selection (-1.9 KB gzipped). The sdk is compiled at "z": its figures no longer go through the
  explanations, so "z" costs no speed that shows.

Before issue 6 (2026-11-25, same machine): 423.7 KB raw, 179.6 KB gzipped; `Rules.precheck` gave the
full JSON `Decision` and read `now` through `JSON.stringify`: 27.9 / 33.3 / 104.7 µs at 10 / 200 /
10000 activities (35.1x / 18.5x / 4.1x native). That run was under heavy load (native 1.80 µs at
200), so compare ratios within one run, not across runs.

Issue 6, first round (171.1 KB gzipped, lazy path 4.45x native at 200):
- `Rules.precheck` returns a `PrecheckDecision` held in wasm memory: `allowed`, `provisional`,
  `failureCount`, `failedRules`, `failureMessages`, `message`, `otpPhones` cost no JSON; `failures`
  and `toJSON()` (so `JSON.stringify(decision)`) give the JSON form. The plain `precheck` function
  still gives the JSON `Decision`. `Rules.precheckFor(lead, activityCode, user, now, otpVerifiedAt?)`
  takes the input's fields as arguments (no JSON at all; `user_location` needs `precheck`).
- Every `now` (and `receivedAt`) takes an RFC 3339 string parsed in Rust as serde parses an
  `Instant` (same errors), a `Date` (its milliseconds) or a number of milliseconds since 1970,
  without `JSON.stringify`. This alone halved the full-JSON path.
- `crm_datetime` formats from the date's fields instead of chrono's strftime (-10.7 KB gzipped).

Issue 6, second round (each step measured on its own build, lazy path at 200 activities, builds
compared in one Node process, interleaved; the machine was shared, so ±5%):
- `runVector`, the conformance runner (its function alone was 48 KB raw), is no longer shipped: it
  is in a test build only (feature `vectors` of `sdk-wasm`, `dist/vectors/`, outside the package's
  `files`), which the package's tests load. Shipped: 171.1 → 138.8 KB gzipped.
- `session::Event` reads JSON with a hand-written `Deserialize` instead of serde's derive of an
  internally tagged enum (which buffered through serde's `Content`, 28 to 32 KB raw): the same JSON
  and the same error texts (`sdk/src/session/event.rs` tests them), except that the derive's
  undocumented array form (`["pause", "2026-11-20T10:00:00Z"]`) is refused. 138.8 → 128.6 KB.
- The freed size bought speed, profile `wasm-package` (root `Cargo.toml`). The bindings' crate
  sets the level of the whole LTO pipeline, so its opt-level counts most:

  | opt-levels (others "z") | gzipped | lazy at 200 |
  |---|---|---|
  | all "z" | 128.6 KB | 3.70 µs |
  | sdk 3 | 143.3 KB | 2.78 µs |
  | bindings "s", sdk "s" | 140.1 KB | 2.64 µs |
  | bindings "s", sdk "s", chrono 3 (kept) | 140.6 KB | 2.52 µs |
  | bindings "s", sdk 3 | 153.4 KB (over the goal) | 2.57 µs |
  | bindings "s", sdk 2, chrono 3 (another run: 2.19 µs against 2.54 µs for the kept one) | 152.9 KB (over the goal) | |
  | everything 3 (with the derived `Event`) | 180.3 KB | 2.54 µs |

  `wasm-opt -O3` instead of `-Oz`: within the noise, at the same size; `-Oz` is kept.
- A size-class allocator in front of dlmalloc (`sdk-wasm/src/alloc.rs`; a decision makes and frees
  a few dozen small blocks): -5% (2.74 → 2.58 µs in one A/B run), +0.8 KB.
- `failedRules` and `failureMessages` build their JS arrays in place, without Rust copies: -5%.
  `now` is tried as a number first (`Date.now()`), before a string or a `Date`.
- `Rules.precheckInto(decision, ...)` makes the decision into one the app holds: no new JS object
  per decision. wasm-bindgen registers every object it hands out with a `FinalizationRegistry`
  (and unregisters it on `free()`), about 0.3 µs and garbage per call: "Node held" above.

Where a lazy decision's time goes now (V8's profiler, 200 activities): the sdk's `precheck` and its
windows over the history about 25%, the `PrecheckDecision` JS object (creation, registry, `free`,
garbage) about 13%, formatting the explanations (`reason`) about 12%, strings into JS about 8%,
allocation about 6%. Native, the same decision is 0.8 µs.
NOTES
} > bench/wasm.md
cat bench/wasm.md
