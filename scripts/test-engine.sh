#!/usr/bin/env bash
# Bring up a local Docker engine + the offline test image used by the test suite. npm test runs
# it first (npm run test:engine).
#
#   - installs docker.io, docker-compose and busybox-static via apt when missing, and the tools
#     of the remote-engine tests: openssh-server (sshd), openssh-client (ssh-keygen, ssh-agent),
#     openssl (root on Debian/Ubuntu only),
#   - starts dockerd on unix:///var/run/docker.sock unless it already answers
#     (no bridge / iptables: tests only use --network none or host-less setups),
#   - builds lucid-test-busybox:latest FROM scratch with the host's static busybox
#     (no registry access required),
#   - prints a one-line summary.
#
# Idempotent; a warm re-run (engine up, image present) takes well under 2 s.
set -euo pipefail

SOCK_PATH=/var/run/docker.sock
export DOCKER_HOST="unix://${SOCK_PATH}"
DOCKERD_PIDFILE=/var/run/docker.pid
CONTAINERD_PIDFILE=/var/run/docker/containerd/containerd.pid
DOCKERD_LOG=/var/log/lucid-test-dockerd.log
IMAGE=lucid-test-busybox:latest
START_TIMEOUT=${LUCID_DOCKERD_START_TIMEOUT:-60}
LOCK_FILE=${TMPDIR:-/tmp}/lucid-test-engine.lock

log() { printf '[test-engine] %s\n' "$*" >&2; }
die() { printf '[test-engine] ERROR: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }
is_debian_like() { [ -r /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; }

# Serialise concurrent invocations (e.g. two CI steps). fd 9 is closed for dockerd below.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$LOCK_FILE"
  flock -w 180 9 || die "could not acquire $LOCK_FILE"
fi

# ---------------------------------------------------------------------------
# 1. Packages
# ---------------------------------------------------------------------------
busybox_static_ok() {
  [ -x /bin/busybox ] || return 1
  if command -v dpkg-query >/dev/null 2>&1; then
    dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed'
  else
    # Not dpkg-based: accept any statically linked busybox.
    ! ldd /bin/busybox >/dev/null 2>&1
  fi
}

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(dockerd)
[ -x /usr/bin/docker ] || command -v docker >/dev/null 2>&1 || missing+=(docker)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
busybox_static_ok || missing+=(busybox-static)
# Test tools beside the engine: promtool lints the metrics exposition, chromium renders /docs.
command -v promtool >/dev/null 2>&1 || missing+=(promtool)
[ -x /usr/bin/chromium ] || missing+=(chromium)
# Remote engines: a real sshd in front of a private engine, keys and certificates made at test time.
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v ssh-keygen >/dev/null 2>&1 && command -v ssh-agent >/dev/null 2>&1 || missing+=(openssh-client)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)

if [ "${#missing[@]}" -gt 0 ]; then
  if is_root && is_debian_like; then
    log "missing: ${missing[*]} -> installing docker.io docker-compose busybox-static prometheus chromium openssh-server openssh-client openssl via apt"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y \
      docker.io docker-compose busybox-static prometheus chromium openssh-server openssh-client openssl ca-certificates
  else
    die "missing: ${missing[*]}. Install the Debian/Ubuntu packages docker.io docker-compose busybox-static prometheus chromium openssh-server openssh-client openssl (or your system's equivalents), or run this script as root on Debian/Ubuntu to install them"
  fi
  command -v dockerd >/dev/null 2>&1 || die "dockerd still missing after apt-get install"
  command -v docker-compose >/dev/null 2>&1 || die "docker-compose still missing after apt-get install"
  busybox_static_ok || die "static /bin/busybox still missing after apt-get install"
  command -v promtool >/dev/null 2>&1 || die "promtool still missing after apt-get install"
  [ -x /usr/bin/chromium ] || die "chromium still missing after apt-get install"
  [ -x /usr/sbin/sshd ] || die "sshd still missing after apt-get install"
  command -v openssl >/dev/null 2>&1 || die "openssl still missing after apt-get install"
fi

# Prefer Debian's client: it matches the Debian engine's API level.
if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER=$(command -v docker); fi
export DOCKER_BUILDKIT=0

# ---------------------------------------------------------------------------
# 2. Engine
# ---------------------------------------------------------------------------
engine_ping() {
  [ -S "$SOCK_PATH" ] || return 1
  if command -v curl >/dev/null 2>&1; then
    [ "$(curl -fsS --max-time 2 --unix-socket "$SOCK_PATH" http://localhost/_ping 2>/dev/null)" = OK ]
  else
    timeout 5 "$DOCKER" version >/dev/null 2>&1
  fi
}

# pid_alive PID NAME: process exists, is not a zombie (a killed daemon can stay
# <defunct> when PID 1 does not reap, and kill -0 still succeeds on it) and its
# comm is NAME (guards against pid reuse).
pid_alive() {
  local pid=$1 name=$2 stat state
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ] || return 1
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  state=${stat##*) }
  state=${state%% *}
  [ "$state" != Z ] && [ "$state" != X ]
}

# proc_running PID: exists and is not a zombie (any comm).
proc_running() {
  local stat state
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  state=${stat##*) }
  state=${state%% *}
  [ "$state" != Z ] && [ "$state" != X ]
}

pidfile_pid() { cat "$1" 2>/dev/null | tr -dc '0-9' || true; }

wait_for_ping() {
  local waiter_pid=$1 deadline=$((SECONDS + START_TIMEOUT))
  while [ "$SECONDS" -lt "$deadline" ]; do
    engine_ping && return 0
    if [ -n "$waiter_pid" ] && ! proc_running "$waiter_pid"; then
      log "dockerd exited during startup"
      return 1
    fi
    sleep 0.25
  done
  log "dockerd did not answer /_ping within ${START_TIMEOUT}s"
  return 1
}

fail_with_log() {
  if [ -f "$DOCKERD_LOG" ]; then
    log "---- tail -n 60 $DOCKERD_LOG ----"
    tail -n 60 "$DOCKERD_LOG" >&2 || true
  fi
  die "${1:-docker engine failed to start}"
}

if engine_ping; then
  log "engine already answering on $DOCKER_HOST"
else
  is_root || die "no engine answers on $DOCKER_HOST and this is not root: start dockerd there (or run this script as root)"

  existing=$(pidfile_pid "$DOCKERD_PIDFILE")
  if [ -n "$existing" ] && pid_alive "$existing" dockerd; then
    # A dockerd is alive but not answering: still starting (wait, don't double-start)
    # or shutting down (it exits while we wait -> fall through and start a fresh one).
    log "dockerd pid $existing alive but not answering yet; waiting"
    if ! wait_for_ping "$existing"; then
      pid_alive "$existing" dockerd && fail_with_log "existing dockerd (pid $existing) never became ready"
      log "dockerd pid $existing went away; starting a fresh one"
      existing=$(pidfile_pid "$DOCKERD_PIDFILE")
    fi
  fi
  if ! engine_ping; then
    if [ -e "$DOCKERD_PIDFILE" ]; then
      log "removing stale $DOCKERD_PIDFILE (pid '${existing}' not running)"
      rm -f "$DOCKERD_PIDFILE"
    fi
    if [ -e "$SOCK_PATH" ]; then
      log "removing stale socket $SOCK_PATH"
      rm -f "$SOCK_PATH"
    fi
    cpid=$(pidfile_pid "$CONTAINERD_PIDFILE")
    if [ -e "$CONTAINERD_PIDFILE" ] && ! pid_alive "$cpid" containerd; then
      log "removing stale $CONTAINERD_PIDFILE (pid '${cpid}' not running)"
      rm -f "$CONTAINERD_PIDFILE"
    fi

    mkdir -p "$(dirname "$DOCKERD_LOG")"
    printf '\n==== %s lucid test-engine starting dockerd ====\n' "$(date -Is)" >>"$DOCKERD_LOG"
    log "starting dockerd (log: $DOCKERD_LOG)"
    # setsid -w: detached session, but $! keeps tracking dockerd's lifetime.
    # fd 9 (lock) must not leak into the daemon.
    nohup setsid -w dockerd \
      --host="$DOCKER_HOST" \
      --bridge=none --iptables=false --ip-masq=false --ip-forward=false \
      </dev/null >>"$DOCKERD_LOG" 2>&1 9>&- &
    dpid=$!
    t0=$SECONDS
    wait_for_ping "$dpid" || fail_with_log "docker engine failed to start"
    log "engine up after $((SECONDS - t0))s"
  fi
fi

# ---------------------------------------------------------------------------
# 3. Test image (FROM scratch + static busybox, no pull)
# ---------------------------------------------------------------------------
if "$DOCKER" image inspect "$IMAGE" >/dev/null 2>&1; then
  log "image $IMAGE present"
else
  log "building $IMAGE from /bin/busybox"
  ctx=$(mktemp -d)
  trap 'rm -rf "$ctx"' EXIT
  mkdir -p "$ctx/rootfs/bin" "$ctx/rootfs/tmp" "$ctx/rootfs/root" "$ctx/rootfs/etc"
  chmod 1777 "$ctx/rootfs/tmp"
  cp /bin/busybox "$ctx/rootfs/bin/busybox"
  chmod 0755 "$ctx/rootfs/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] && continue
    ln -s busybox "$ctx/rootfs/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$ctx/rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$ctx/rootfs/etc/group"
  cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY rootfs/ /
ENV PATH=/bin
LABEL org.lucid.test-image="busybox-static"
CMD ["sh"]
DOCKERFILE
  "$DOCKER" build -q -t "$IMAGE" "$ctx" >/dev/null
  out=$("$DOCKER" run --rm --network none "$IMAGE" echo ok) || die "test image $IMAGE does not run"
  [ "$out" = ok ] || die "test image $IMAGE: expected 'ok', got '$out'"
  log "image $IMAGE built and verified"
fi

# ---------------------------------------------------------------------------
# 4. Summary
# ---------------------------------------------------------------------------
summary=$("$DOCKER" version --format 'engine={{.Server.Version}} api={{.Server.APIVersion}}')
image_id=$("$DOCKER" image inspect -f '{{.Id}}' "$IMAGE")
drivers=$("$DOCKER" info --format 'storage={{.Driver}} cgroup={{.CgroupDriver}}/v{{.CgroupVersion}}' 2>/dev/null || echo 'storage=? cgroup=?')
echo "test-engine ready: $summary $drivers host=$DOCKER_HOST image=$IMAGE id=$image_id"
