#!/usr/bin/env bash
# README command 2: the whole test suite. Ends with the line "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")"
CONFIGURATION=${CONFIGURATION:-Release}

if [[ ! -x node_modules/.bin/azurite ]]; then
  echo "[test.sh] installing the storage emulator (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error || { echo "0 passed, 1 failed"; exit 1; }
fi

echo "[test.sh] building ($CONFIGURATION)"
if ! dotnet build Orleans.sln -c "$CONFIGURATION" -nologo -clp:ErrorsOnly -v:q; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

log=$(mktemp)
# One test assembly at a time: the machine has two cores and the cluster tests start real processes.
dotnet test Orleans.sln -c "$CONFIGURATION" --no-build -nologo -m:1 --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# Sum the per-assembly summaries: "Passed!  - Failed:     0, Passed:    12, Skipped:     0, Total:    12, ..."
read -r passed failed skipped < <(awk '
  /(Passed|Failed)! +- +Failed:/ {
    line = $0; gsub(/,/, "", line); n = split(line, w, /[ \t]+/)
    for (i = 1; i < n; i++) { if (w[i] == "Failed:") f += w[i+1]; if (w[i] == "Passed:") p += w[i+1]; if (w[i] == "Skipped:") s += w[i+1] }
  }
  END { printf "%d %d %d\n", p, f, s }' "$log")
rm -f "$log"
if ((status != 0 && failed == 0)); then failed=1; echo "[test.sh] the test run failed without a failed test (crash or build problem)"; fi
echo "$passed passed, $failed failed, $skipped skipped"
exit $((status != 0 ? 1 : 0))
