#!/usr/bin/env bash
# Opens a self-contained HTML report in headless Chromium and checks that it renders cleanly:
#   1. the page as written logs nothing to the console (a report has no scripts, so any console
#      message comes from the browser reporting a problem with the page);
#   2. a copy of the page with a probe script added loads every image (complete, naturalWidth > 0)
#      and raises no error event and no console.error. The copy sits in an empty temporary
#      directory, so a reference to any file beside the report fails as it would for a reader
#      who was sent the report alone.
# Optionally saves a screenshot for a person to look at.
#
# Usage: scripts/check-report.sh [--screenshot OUT.png] [--window-size W,H] REPORT.html
# Exit status: 0 when the report passes, 1 when a check fails, 2 on a usage or setup error.
# CHROMIUM may name the browser binary (default: chromium).
set -euo pipefail

usage() { echo "Usage: $0 [--screenshot OUT.png] [--window-size W,H] REPORT.html" >&2; exit 2; }

screenshot=""
window_size="1200,2000"
report=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --screenshot) [[ $# -ge 2 ]] || usage; screenshot="$2"; shift 2 ;;
        --window-size) [[ $# -ge 2 ]] || usage; window_size="$2"; shift 2 ;;
        -h|--help) usage ;;
        -*) echo "Unknown option '$1'." >&2; usage ;;
        *) [[ -z "$report" ]] || usage; report="$1"; shift ;;
    esac
done
[[ -n "$report" ]] || usage
[[ -f "$report" ]] || { echo "check-report: no such file: $report" >&2; exit 2; }
[[ "$window_size" =~ ^[0-9]+,[0-9]+$ ]] || { echo "check-report: --window-size must be W,H, received '$window_size'." >&2; exit 2; }

chromium="${CHROMIUM:-chromium}"
command -v "$chromium" >/dev/null || { echo "check-report: '$chromium' not found; install Debian's chromium or set CHROMIUM." >&2; exit 2; }

report_path="$(realpath "$report")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# --virtual-time-budget lets the page finish loading (images decode, load fires) before the DOM is dumped.
run_chromium() {
    timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --user-data-dir="$work/profile" --enable-logging=stderr --v=0 \
        --virtual-time-budget=5000 "$@"
}

# A file:// URL for an absolute path; escapes the characters that would end or alter the path part.
file_url() {
    local path="${1//%/%25}"
    path="${path// /%20}"
    path="${path//#/%23}"
    path="${path//\?/%3F}"
    printf 'file://%s' "$path"
}

failures=0

# 1. Console messages of the unmodified page.
run_chromium --dump-dom "$(file_url "$report_path")" >"$work/dom.html" 2>"$work/console.log" \
    || { echo "check-report: chromium failed on $report (exit $?):" >&2; tail -n 20 "$work/console.log" >&2; exit 2; }
if grep -q ':CONSOLE' "$work/console.log"; then
    echo "FAIL: the page logged to the console:"
    grep ':CONSOLE' "$work/console.log" | sed 's/^.*:CONSOLE[^]]*\] /  /'
    failures=$((failures + 1))
fi

# 2. Images and errors, seen by a probe placed first in <head> so it hears every later event.
probe='<script>
(function () {
  var problems = [];
  window.addEventListener("error", function (e) {
    var t = e.target;
    if (t && t !== window && t.tagName) {
      problems.push("failed to load <" + t.tagName.toLowerCase() + "> " + (t.getAttribute("alt") || t.getAttribute("src") || t.getAttribute("href") || "").slice(0, 80));
    } else {
      problems.push("script error: " + e.message);
    }
  }, true);
  var consoleError = console.error;
  console.error = function () {
    problems.push("console.error: " + Array.prototype.join.call(arguments, " "));
    consoleError.apply(console, arguments);
  };
  window.addEventListener("load", function () {
    var images = Array.prototype.slice.call(document.images);
    images.forEach(function (img) {
      if (!(img.complete && img.naturalWidth > 0)) {
        problems.push("image not shown: " + (img.alt || (img.getAttribute("src") || "").slice(0, 80)));
      }
    });
    var result = document.createElement("pre");
    result.id = "report-check-result";
    result.textContent = "REPORT-CHECK images=" + images.length + " problems=" + problems.length + "\n" + problems.join("\n");
    document.body.appendChild(result);
  });
})();
</script>'
probed="$work/probed/$(basename "$report_path")"
mkdir -p "$(dirname "$probed")"
PROBE="$probe" awk 'BEGIN { probe = ENVIRON["PROBE"] }
    !done && tolower($0) ~ /<head[ >]/ { print; print probe; done = 1; next }
    { print }
    END { if (!done) exit 3 }' "$report_path" >"$probed" \
    || { echo "check-report: $report has no <head> element to hold the probe." >&2; exit 2; }
run_chromium --dump-dom "$(file_url "$probed")" >"$work/probed-dom.html" 2>/dev/null \
    || { echo "check-report: chromium failed on the probed copy of $report." >&2; exit 2; }
result="$(sed -n '/<pre id="report-check-result">/,/<\/pre>/p' "$work/probed-dom.html" | sed -e 's/<pre id="report-check-result">//' -e 's/<\/pre>.*//' \
    -e 's/&lt;/</g' -e 's/&gt;/>/g' -e 's/&quot;/"/g' -e 's/&amp;/\&/g')"
summary="$(head -n 1 <<<"$result")"
if [[ -z "$summary" ]]; then
    echo "FAIL: the page did not finish loading within Chromium's time budget; the probe never reported."
    failures=$((failures + 1))
elif [[ "$summary" != *" problems=0" ]]; then
    echo "FAIL: ${summary#REPORT-CHECK }"
    tail -n +2 <<<"$result" | sed 's/^/  /'
    failures=$((failures + 1))
fi

if [[ -n "$screenshot" ]]; then
    mkdir -p "$(dirname "$screenshot")"
    screenshot_path="$(realpath "$screenshot")"
    run_chromium --window-size="$window_size" --screenshot="$screenshot_path" "$(file_url "$report_path")" >/dev/null 2>&1 \
        || { echo "check-report: chromium could not take the screenshot." >&2; exit 2; }
    echo "Screenshot: $screenshot_path ($window_size)"
fi

if [[ $failures -gt 0 ]]; then
    echo "check-report: $report failed $failures check(s)."
    exit 1
fi
echo "OK: $report (${summary#REPORT-CHECK }, no console messages)"
