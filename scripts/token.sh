#!/usr/bin/env bash
# Prints a token signed with the local key of the service started by scripts/run-service.sh (from any
# directory, in a fraction of a second once the service is built):
#   scripts/token.sh ROLE[,ROLE...] SUBJECT [DAYS]      e.g. TOKEN=$(scripts/token.sh guardian mum)
# The token's id goes to standard error (revoke it with the service's revoke-token command).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: scripts/token.sh ROLE[,ROLE...] SUBJECT [DAYS]" >&2
  exit 2
fi
dll="$root/server/PolicyService/bin/Release/net10.0/SmartTerminal.PolicyService.dll"
[ -f "$dll" ] || dotnet build "$root/server/PolicyService" -c Release -nologo -v:q >&2
data=$(cd "$root" && mkdir -p "${ST_DATA_DIR:-server/PolicyService/data}" && cd "${ST_DATA_DIR:-server/PolicyService/data}" && pwd)
days=()
[ $# -eq 3 ] && days=(--days "$3")
exec dotnet "$dll" mint-token --role "$1" --subject "$2" "${days[@]}" --PolicyService:DataDirectory="$data"
