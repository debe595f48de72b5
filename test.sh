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

results=TestResults/run-$(date +%Y%m%d-%H%M%S)
# One test assembly at a time: the machine has two cores and the cluster tests start real processes.
dotnet test Orleans.sln -c "$CONFIGURATION" --no-build -nologo -m:1 \
  --logger "console;verbosity=minimal" --logger trx --results-directory "$results" "$@"
status=$?

# Count from the TRX files (one per test assembly): <Counters total=".." passed=".." failed=".." ...>.
read -r passed failed skipped < <(cat "$results"/*.trx 2>/dev/null | grep -o '<Counters [^>]*>' | tr ' ' '\n' | awk -F'"' '
  /^passed=/ { p += $2 } /^(failed|error|timeout|aborted)=/ { f += $2 } /^notExecuted=/ { s += $2 }
  END { printf "%d %d %d\n", p, f, s }')
if ((status != 0 && failed == 0)); then failed=1; echo "[test.sh] the test run failed without a failed test (a crashed test host?)"; fi
if ((status == 0 && passed == 0)); then failed=1; echo "[test.sh] no test ran"; status=1; fi
echo "$passed passed, $failed failed, $skipped skipped"
exit $((status != 0 ? 1 : 0))
