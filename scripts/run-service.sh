#!/usr/bin/env bash
# The one command that runs the main job: the PolicyService with its embedded defaults
# (MQTTnet broker in-process on 127.0.0.1:1883, gRPC on http://127.0.0.1:5080 over HTTP/2,
# JSON on http://127.0.0.1:5081). Extra arguments are passed on as configuration, e.g.
#   scripts/run-service.sh --Broker:Port=11883
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-prerequisites.sh service
exec dotnet run --project server/PolicyService -c Release -- "$@"
