# Sourced by scripts that need a throw-away server: `start_server BIN NAME` makes a fresh data
# directory with an admin token named NAME, starts BIN on a free 127.0.0.1 port and waits until
# it answers. It sets `work` (a temporary folder, removed on exit), `token`, `port` and
# `server_pid`; the server is stopped on exit.

work=$(mktemp -d)
server_pid=
stop_server() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap stop_server EXIT

start_server() {
  local bin=$1 name=$2
  token=$("$bin" --data-dir "$work/data" token create --role admin --name "$name" 2>/dev/null)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  RUST_LOG=warn "$bin" --data-dir "$work/data" serve --addr "127.0.0.1:$port" > "$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 600); do
    curl -fsS "http://127.0.0.1:$port/health" > /dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "the server did not answer within 60 s:" >&2
  cat "$work/server.log" >&2
  return 1
}
