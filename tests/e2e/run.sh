#!/usr/bin/env bash
# Run the browser tests against freshly started itf-planner servers, each with its own embedded
# PostgreSQL: sign-off tests (signoff*.test.mjs) against one loaded with the whole demo (Kent's
# plan in sign-off, Rotherham's approved), then every other test against one whose demo plans are
# all being drafted (ITF_DEMO_SIGN_OFF=false), since they edit Kent's plan and register. Their mail
# goes over SMTP to mail-sink.mjs on loopback, whose messages the tests read (E2E_MAIL_DIR).
#
#   tests/e2e/run.sh                         # all tests/e2e/*.test.mjs
#   tests/e2e/run.sh start-page.test.mjs     # only the named files (relative to tests/e2e)
#
# Needs: Node 20+, npm, Chromium (Debian: `apt-get install chromium`; or set CHROMIUM_PATH),
# cargo, and the PostgreSQL server binaries the app's embedded mode uses.
# Exits with the test runner's exit code; prints the app's log when anything failed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
E2E_DIR="$ROOT/tests/e2e"
cd "$ROOT"

log() { printf 'e2e: %s\n' "$*" >&2; }

# --- prerequisites -----------------------------------------------------------------------------
if ! command -v node >/dev/null 2>&1; then
  log "node is not installed (Node 20 or later is needed)"
  exit 1
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 20 ]; then
  log "Node $(node --version) is too old; Node 20 or later is needed"
  exit 1
fi

if [ ! -d "$E2E_DIR/node_modules" ]; then
  log "installing npm packages (npm ci in tests/e2e)"
  (cd "$E2E_DIR" && npm ci --no-audit --no-fund)
fi

export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM_PATH" ]; then
  log "Chromium not found at $CHROMIUM_PATH."
  log "Install it with:  apt-get update && apt-get install -y chromium"
  log "(or set CHROMIUM_PATH to a Chromium/Chrome executable)"
  exit 1
fi

# --- build -------------------------------------------------------------------------------------
log "building the app (cargo build)"
cargo build --quiet
APP_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/itf-planner"
if [ ! -x "$APP_BIN" ]; then
  log "built binary not found at $APP_BIN"
  exit 1
fi

# --- one app at a time ------------------------------------------------------------------------
WORK_DIR="$(mktemp -d -t itf-e2e.XXXXXX)"
# As root the app runs PostgreSQL as the `postgres` user, which must be able to reach the folder.
chmod 755 "$WORK_DIR"
APP_PID=""
SINK_PID=""
DATA_DIR=""
APP_LOG=""
FAILED_LOGS=()

stop_app() {
  if [ -n "$APP_PID" ] && kill -0 "$APP_PID" 2>/dev/null; then
    log "stopping the app (pid $APP_PID)"
    kill -TERM "$APP_PID" 2>/dev/null || true
    local waited=0
    while kill -0 "$APP_PID" 2>/dev/null && [ "$waited" -lt 300 ]; do
      sleep 0.1
      waited=$((waited + 1))
    done
    if kill -0 "$APP_PID" 2>/dev/null; then
      log "WARNING: the app did not stop within 30 s of SIGTERM; killing it"
      kill -KILL "$APP_PID" 2>/dev/null || true
    fi
    wait "$APP_PID" 2>/dev/null || true
  fi
  APP_PID=""
  [ -n "$DATA_DIR" ] || return 0
  # No PostgreSQL (or anything else) may outlive the run. The postmaster's command line names the
  # data folder; its children exit on their own once it is gone, and SIGQUIT takes them with it.
  local leftovers
  leftovers="$(pgrep -f -- "$DATA_DIR" || true)"
  if [ -n "$leftovers" ]; then
    log "WARNING: processes left behind using $DATA_DIR; stopping them:"
    ps -o pid,user,args -p "$(echo "$leftovers" | paste -sd, -)" >&2 || true
    # shellcheck disable=SC2086
    kill -QUIT $leftovers 2>/dev/null || true
    local i
    for i in $(seq 1 50); do
      pgrep -f -- "$DATA_DIR" >/dev/null || break
      sleep 0.1
    done
    leftovers="$(pgrep -f -- "$DATA_DIR" || true)"
    # shellcheck disable=SC2086
    [ -z "$leftovers" ] || kill -KILL $leftovers 2>/dev/null || true
  fi
}

cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  stop_app
  if [ -n "$SINK_PID" ]; then
    kill -TERM "$SINK_PID" 2>/dev/null
    wait "$SINK_PID" 2>/dev/null
  fi
  if [ "$rc" -ne 0 ]; then
    local app_log
    for app_log in "${FAILED_LOGS[@]}" "$APP_LOG"; do
      [ -n "$app_log" ] && [ -f "$app_log" ] || continue
      log "----- app log ($app_log) -----"
      cat "$app_log" >&2
      log "----- end of app log -----"
    done
  fi
  rm -rf "$WORK_DIR"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

unset DATABASE_URL

# --- a mailbox -----------------------------------------------------------------------------------
# Mail really leaves the app: an SMTP server on loopback (mail-sink.mjs) keeps each message in
# E2E_MAIL_DIR, where the tests read the links people would click (invitations, password resets).
export E2E_MAIL_DIR="$WORK_DIR/mail"
SINK_LOG="$WORK_DIR/mail-sink.log"
node "$E2E_DIR/mail-sink.mjs" "$E2E_MAIL_DIR" >"$SINK_LOG" 2>&1 </dev/null &
SINK_PID=$!
SMTP_PORT=""
for _ in $(seq 1 100); do
  SMTP_PORT="$(sed -n 's/^mail-sink listening on \([0-9]*\)$/\1/p' "$SINK_LOG" | head -n 1)"
  [ -n "$SMTP_PORT" ] && break
  sleep 0.1
done
if [ -z "$SMTP_PORT" ]; then
  log "the mail sink did not start:"
  cat "$SINK_LOG" >&2
  exit 1
fi
log "mail goes to the sink on 127.0.0.1:$SMTP_PORT ($E2E_MAIL_DIR)"

# start_app NAME SIGN_OFF: starts the app on a new embedded database whose demo includes its
# sign-off or not (true/false); sets E2E_BASE_URL.
start_app() {
  local name="$1" sign_off="$2"
  DATA_DIR="$WORK_DIR/$name"
  APP_LOG="$WORK_DIR/$name.log"
  mkdir "$DATA_DIR"
  chmod 755 "$DATA_DIR"
  : >"$APP_LOG"
  log "starting $APP_BIN serve ($name demo, data in $DATA_DIR)"
  ITF_BIND=127.0.0.1:0 ITF_DATA_DIR="$DATA_DIR" ITF_DEMO_SIGN_OFF="$sign_off" \
    ITF_SMTP_URL="smtp://127.0.0.1:$SMTP_PORT" ITF_MAIL_POLL_MS=250 "$APP_BIN" serve \
    >"$APP_LOG" 2>&1 </dev/null &
  APP_PID=$!

  local base_url="" deadline=$((SECONDS + 120))
  while [ "$SECONDS" -lt "$deadline" ]; do
    base_url="$(sed -n 's/^.*itf-planner listening on \(http:\/\/[^[:space:]]*\).*$/\1/p' "$APP_LOG" 2>/dev/null | head -n 1 || true)"
    [ -n "$base_url" ] && break
    if ! kill -0 "$APP_PID" 2>/dev/null; then
      local app_rc=0
      wait "$APP_PID" || app_rc=$?
      APP_PID=""
      log "the app exited (status $app_rc) before it was listening"
      exit 1
    fi
    sleep 0.25
  done
  if [ -z "$base_url" ]; then
    log "the app did not print 'itf-planner listening on http://...' within 120 s"
    exit 1
  fi
  export E2E_BASE_URL="$base_url"
  log "app ($name demo) is listening on $E2E_BASE_URL"
}

# --- the tests ---------------------------------------------------------------------------------
cd "$E2E_DIR"
if [ "$#" -gt 0 ]; then
  test_files=("$@")
else
  shopt -s nullglob
  test_files=(*.test.mjs)
  shopt -u nullglob
fi
if [ "${#test_files[@]}" -eq 0 ]; then
  log "no test files found in tests/e2e"
  exit 1
fi
sign_off_files=()
drafting_files=()
for file in "${test_files[@]}"; do
  case "$(basename "$file")" in
    signoff*) sign_off_files+=("$file") ;;
    *) drafting_files+=("$file") ;;
  esac
done

test_rc=0
if [ "${#sign_off_files[@]}" -gt 0 ]; then
  start_app full true
  group_rc=0
  node --test --test-concurrency=1 "${sign_off_files[@]}" || group_rc=$?
  stop_app
  [ "$group_rc" -eq 0 ] || { test_rc=$group_rc; FAILED_LOGS+=("$APP_LOG"); }
fi
if [ "${#drafting_files[@]}" -gt 0 ]; then
  start_app drafting false
  group_rc=0
  node --test "${drafting_files[@]}" || group_rc=$?
  [ "$group_rc" -eq 0 ] || test_rc=$group_rc
fi
exit "$test_rc"
