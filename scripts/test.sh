#!/usr/bin/env bash
# The one command that runs every test: installs what the tests need, builds the solution
# (including the nanoFramework build of the device core and its metadata check), runs all test
# projects and ends with one line "N passed, N failed". Tests start the real processes they need
# themselves (PolicyService, Mosquitto, InfluxDB, a throw-away PostgreSQL cluster) on free loopback
# ports and stop them afterwards. The integration suite runs twice: with the state database on SQLite
# (the embedded default) and on PostgreSQL (ST_TEST_STATE_PROVIDER=PostgreSQL).
set -uo pipefail
cd "$(dirname "$0")/.."

configuration="${CONFIGURATION:-Release}"
results="artifacts/test-results"

scripts/install-prerequisites.sh tests || exit 1

if ! dotnet build SmartTerminal.sln -c "$configuration" -nologo -v:m; then
  echo "build failed (including the nanoFramework subset check, if it is listed above)"
  echo "0 passed, 1 failed"
  exit 1
fi

rm -rf "$results"
mkdir -p "$results"
status=0
projects=$(find tests -name '*.Tests.csproj' -o -name 'SmartTerminal.IntegrationTests.csproj' | sort)
run_project() { # project, result name, test filter ("" for all), then environment assignments
  local project="$1" name="$2" filter="$3"
  shift 3
  env "$@" dotnet test "$project" -c "$configuration" --no-build -nologo ${filter:+--filter "$filter"} \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" \
    --results-directory "$results" || status=1
  if [ ! -f "$results/$name.trx" ]; then
    echo "$name produced no results (crashed before reporting)"
    status=1
    echo "$name" >> "$results/crashed.txt"
  fi
}

for project in $projects; do
  name=$(basename "$project" .csproj)
  if [ "$name" = "SmartTerminal.IntegrationTests" ]; then
    # Tests that pin PostgreSQL themselves (the scale-out layout) run once, in the PostgreSQL pass.
    run_project "$project" "$name.Sqlite" "State!=PostgreSQL" ST_TEST_STATE_PROVIDER=Sqlite
    run_project "$project" "$name.PostgreSQL" "" ST_TEST_STATE_PROVIDER=PostgreSQL
  else
    run_project "$project" "$name" ""
  fi
done
# A test process killed before its exit handler leaves its PostgreSQL cluster behind: stop it.
pkill -f "postgres -D /tmp/st-pg-" 2>/dev/null || true

passed=0
failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  p=$(echo "$counters" | grep -o ' passed="[0-9]*"' | grep -o '[0-9]*')
  f=$(echo "$counters" | grep -o ' failed="[0-9]*"' | grep -o '[0-9]*')
  e=$(echo "$counters" | grep -o ' error="[0-9]*"' | grep -o '[0-9]*')
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0}))
done
if [ -f "$results/crashed.txt" ]; then
  failed=$((failed + $(wc -l < "$results/crashed.txt")))
fi

echo "$passed passed, $failed failed"
if [ "$failed" -gt 0 ] || [ "$status" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
