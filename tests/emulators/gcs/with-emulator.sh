#!/usr/bin/env bash
# Run a command with the Cloud Storage emulator (gcp-storage-emulator + aiir's launcher
# extension) listening on 127.0.0.1; AIIR_TEST_GCS_ENDPOINT tells the tests where it is.
# The emulator is stopped (by its pid) when the command ends, whatever its outcome.
#
#   tests/emulators/gcs/with-emulator.sh PYTHON COMMAND [ARGS...]
set -euo pipefail
python="$1"; shift
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
port="$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
log="$(mktemp -t aiir-gcs-emulator.XXXXXX.log)"
"$python" "$here/launcher.py" --host 127.0.0.1 --port "$port" --in-memory >"$log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 1 100); do
  if curl -sf -o /dev/null "http://127.0.0.1:$port/"; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then echo "storage emulator failed to start:" >&2; cat "$log" >&2; exit 1; fi
  sleep 0.1
done
curl -sf -o /dev/null "http://127.0.0.1:$port/" || { echo "storage emulator not answering on $port" >&2; cat "$log" >&2; exit 1; }
echo "storage emulator on http://127.0.0.1:$port (pid $pid, log $log)"
export AIIR_TEST_GCS_ENDPOINT="http://127.0.0.1:$port"
"$@"
