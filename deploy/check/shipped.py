"""Run each shipped deployment's own command line and environment against a local sandbox.

Run by deploy/check.sh with the tools venv's Python (PyYAML):

    python shipped.py BIN WORKDIR

The commands come from the files a user installs, not retyped here: the systemd unit's
ExecStartPre= and ExecStart= with its Environment= and EnvironmentFile= (the env example),
the Kubernetes Deployment's and CronJob's container args, env, envFrom and volumes, the
Compose service's command, environment and env_file, and the GitHub workflow's run: scripts
(with `docker` on PATH replaced by a shim that runs the binary the way the image would).
Only what must change is substituted: the API URL becomes the local sandbox, secrets become
dummy values (URLs: the local receiver, one path per variable), a postgres:// state becomes a
private local cluster, container paths become temporary directories, and the metrics port a
free one (9464 may be taken on this machine).

Checks, one line each ("ok: ..." or "FAIL: ..."; the exit status is the number of failures):
- every command exits as its deployment expects: `config check` and `rules lint` 0, `run`
  completes a cycle (/readyz answers 200) and exits 0 on SIGTERM, `check` 0 or 1 (1: a rule
  fired; 2 and 3 would be a broken deployment); the Kubernetes Deployment's replicas run
  together on one store: each ready, exactly one `leader`;
- no CI job (CronJob, workflow) notifies a destination a daemon (unit, Deployment, Compose)
  notifies: their rule sets' channel destinations, resolved with each one's environment, are
  disjoint, and no request reached the receiver during a CI run at a daemon's destination.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parent.parent
ROOT = DEPLOY.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True  # no __pycache__ in the work tree
from consistency import dockerfile_instructions  # noqa: E402  (one Dockerfile reader)

SANDBOX_KEY = "sandbox-key"
failures = 0


def check(ok: bool, what: str, detail: str = "") -> None:
    global failures
    print(("ok: " if ok else "FAIL: ") + what)
    if not ok:
        failures += 1
        for line in detail.strip().splitlines()[-12:]:
            print(f"      {line}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, seconds: float, headers: dict[str, str] | None = None, alive=lambda: True) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and alive():
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=2) as r:
                if r.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


@dataclass
class Peers:
    """The local stand-ins for what a deployment talks to."""
    api_url: str
    receiver: str      # base URL; a secret URL variable NAME becomes receiver/NAME
    receiver_log: Path
    smtp_url: str      # a closed local port: nothing is mailed, nothing leaves the machine
    postgres_url: str  # a private local cluster (LocalPostgres), trust on loopback, no TLS

    def substitute(self, env: dict[str, str]) -> dict[str, str]:
        out = dict(env)
        for name, value in env.items():
            if name == "INFINIPOST_API_URL":
                out[name] = self.api_url
            elif name == "INFINIPOST_API_KEY":
                out[name] = SANDBOX_KEY
            elif name == "POSTWATCH_SMTP_URL":
                out[name] = self.smtp_url
            elif re.match(r"postgres(ql)?://", value):
                # The shared store: the local cluster. Its TLS (verify-full) cannot be played
                # here; the test suite connects with verify-full to a cluster of its own.
                out[name] = self.postgres_url
            elif re.match(r"https?://", value):
                # Same variable, same destination: the comparison of CI and daemon relies on it.
                out[name] = f"{self.receiver}/{name}"
        out["INFINIPOST_API_URL"] = self.api_url  # also when a deployment relies on the default
        return out

    def requests(self) -> list[dict]:
        return [json.loads(l) for l in self.receiver_log.read_text().splitlines() if l.strip()]


def to_host(value: str, mounts: dict[str, Path] | dict[str, str]) -> str:
    """A container path as the host sees it, through the longest mount that holds it."""
    for inside, outside in sorted(mounts.items(), key=lambda m: -len(m[0])):
        if value == inside or value.startswith(inside + "/"):
            return str(outside) + value[len(inside):]
    return value


@dataclass
class Deployment:
    name: str
    role: str                      # "daemon" or "ci"
    argv: list[str]                # the binary first
    env: dict[str, str]
    expect: str                    # "zero", "check" (0 or 1) or "run"
    cwd: Path
    mounts: dict[str, Path] = field(default_factory=dict)  # container path -> host path
    shell: bool = False            # argv is a bash script (a workflow step)
    rules: Path | None = None      # where a script's container reads its rules

    def host(self, value: str) -> str:
        return to_host(value, self.mounts)

    def rules_dir(self) -> Path:
        # argv and env hold host paths already (mapped once: a second pass could map again).
        if self.rules:
            return self.rules
        args = self.argv
        if "--rules" in args:
            return Path(args[args.index("--rules") + 1])
        return Path(self.env.get("POSTWATCH_RULES", str(self.cwd / "rules")))


def base_env(tmp: Path) -> dict[str, str]:
    # Not the caller's environment: a variable set in CI must not hide one the deployment lacks.
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp), "LANG": "C.UTF-8"}


def free_metrics_port(args: list[str], port: int) -> list[str]:
    return [re.sub(r"^(.*):9464$", rf"\g<1>:{port}", a) for a in args]


def env_file(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            out[key.strip()] = value.strip().strip('"')
    return out


def image_env() -> dict[str, str]:
    """The runtime stage's ENV, as a container of the image starts with."""
    stages = [[]]
    for ins in dockerfile_instructions((DEPLOY / "docker" / "Dockerfile").read_text()):
        if ins[0] == "FROM":
            stages.append([])
        stages[-1].append(ins)
    env = {}
    for word, rest in stages[-1]:
        if word == "ENV":
            env.update(t.split("=", 1) for t in shlex.split(rest) if "=" in t)
    return env


# --------------------------------------------------------------------------------------------
# systemd
def systemd(bin: str, peers: Peers, tmp: Path) -> list[Deployment]:
    unit: dict[str, list[str]] = {}
    for line in (DEPLOY / "systemd" / "postwatch.service").read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            unit.setdefault(key, []).append(value)
    env = base_env(tmp)
    for assignment in unit.get("Environment", []):
        env.update(t.split("=", 1) for t in shlex.split(assignment))
    for path in unit.get("EnvironmentFile", []):
        # The install steps copy postwatch.env.example there.
        assert path.lstrip("-") == "/etc/postwatch/postwatch.env", path
        env.update(env_file(DEPLOY / "systemd" / "postwatch.env.example"))
    root = tmp / "systemd"
    rules = root / "etc/postwatch/rules"
    rules.mkdir(parents=True)
    for f in (ROOT / "rules").glob("*.rules"):  # install: cp rules/*.rules /etc/postwatch/rules/
        shutil.copy(f, rules)
    (root / "var/lib/postwatch").mkdir(parents=True)  # StateDirectory=
    mounts = {"/etc/postwatch": root / "etc/postwatch", "/var/lib/postwatch": root / "var/lib/postwatch",
              "/usr/local/bin/postwatch": Path(bin)}
    port = free_port()
    out = []
    for key, expect in (("ExecStartPre", "zero"), ("ExecStart", "run")):
        for line in unit.get(key, []):
            d = Deployment(f"systemd {key}=", "daemon", [], {}, expect, root, mounts)
            d.argv = [d.host(a) for a in free_metrics_port(shlex.split(line.lstrip("-")), port)]
            d.env = peers.substitute({k: d.host(v) for k, v in env.items()})
            out.append(d)
    return out


# --------------------------------------------------------------------------------------------
# Kubernetes
def kubernetes(bin: str, peers: Peers, tmp: Path) -> list[Deployment]:
    docs = {}
    for path in sorted((DEPLOY / "kubernetes").glob("*.yaml")):
        if path.name != "kustomization.yaml":
            for d in yaml.safe_load_all(path.read_text()):
                if d:
                    docs[(d["kind"], d["metadata"]["name"])] = d
    out = []
    for kind, name, role, expect in (("Deployment", "postwatch", "daemon", "run"),
                                     ("CronJob", "postwatch-check", "ci", "check")):
        spec = docs[(kind, name)]["spec"]
        if kind == "CronJob":
            spec = spec["jobTemplate"]["spec"]
        pod = spec["template"]["spec"]
        c = pod["containers"][0]
        root = tmp / f"k8s-{name}"
        volumes = {v["name"]: v for v in pod["volumes"]}
        mounts = {}
        for m in c.get("volumeMounts", []):
            host = root / m["name"]
            host.mkdir(parents=True)
            v = volumes[m["name"]]
            if "configMap" in v:
                for key, text in docs[("ConfigMap", v["configMap"]["name"])]["data"].items():
                    (host / key).write_text(text)
            if "secret" in v:
                for key in docs[("Secret", v["secret"]["secretName"])].get("stringData", {}):
                    (host / key).write_text(SANDBOX_KEY if key == "api-key" else "dummy")
            mounts[m["mountPath"]] = host
        env = base_env(tmp) | image_env()
        for ef in c.get("envFrom", []):
            env.update(docs[("Secret", ef["secretRef"]["name"])].get("stringData", {}))
        env.update({e["name"]: str(e["value"]) for e in c.get("env", []) if "value" in e})
        for e in c.get("env", []):
            source = e.get("valueFrom", {})
            if "secretKeyRef" in source:
                ref = source["secretKeyRef"]
                env[e["name"]] = docs[("Secret", ref["name"])]["stringData"][ref["key"]]
            elif source.get("fieldRef", {}).get("fieldPath") == "metadata.name":
                env[e["name"]] = f"{name}-0"
        if kind == "Deployment" and spec.get("replicas", 1) > 1:
            expect = f"replicas:{spec['replicas']}"
        d = Deployment(f"Kubernetes {kind} {name}", role, [], {}, expect, root, mounts)
        d.argv = [bin] + [d.host(a) for a in free_metrics_port(c["args"], free_port())]
        d.env = peers.substitute({k: d.host(v) for k, v in env.items()})
        out.append(d)
    return out


# --------------------------------------------------------------------------------------------
# Compose
def compose(bin: str, peers: Peers, tmp: Path) -> list[Deployment]:
    here = DEPLOY / "docker"
    svc = yaml.safe_load((here / "compose.yaml").read_text())["services"]["postwatch"]

    def interpolate(value: str) -> str:
        # ${NAME:-default} takes the default; ${NAME:?message} the dummy that substitute() replaces.
        return re.sub(r"\$\{([A-Z_]+)(?::-([^}]*)|:\?[^}]*)?\}", lambda m: m.group(2) if m.group(2) is not None else "dummy", value)

    root = tmp / "compose"
    mounts = {}
    for volume in svc["volumes"]:
        source, target = interpolate(volume).split(":")[:2]
        mounts[target] = (here / source).resolve() if source.startswith(".") else root / source
        mounts[target].mkdir(parents=True, exist_ok=True)
    env = base_env(tmp) | image_env()
    if svc.get("env_file"):
        # The install steps: cp postwatch.env.example postwatch.env.
        env.update(env_file(here / "postwatch.env.example"))
    env.update({k: interpolate(str(v)) for k, v in svc["environment"].items()})
    d = Deployment("Compose service postwatch", "daemon", [], {}, "run", root, mounts)
    d.argv = [bin] + [d.host(interpolate(a)) for a in free_metrics_port(svc["command"], free_port())]
    d.env = peers.substitute({k: d.host(v) for k, v in env.items()})
    return [d]


# --------------------------------------------------------------------------------------------
# GitHub Actions: the run: scripts, with `docker run IMAGE ARGS` played by a shim.
def github(bin: str, peers: Peers, tmp: Path) -> list[Deployment]:
    wf = yaml.safe_load((DEPLOY / "github-actions" / "postwatch-check.yml").read_text())
    job = wf["jobs"]["check"]
    root = tmp / "github"
    shim = root / "bin"
    shim.mkdir(parents=True)
    (shim / "docker").write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} {shlex.quote(__file__)} docker \"$@\"\n")
    (shim / "docker").chmod(0o755)
    work = root / "checkout"
    work.mkdir()
    (work / "rules").symlink_to(ROOT / "rules")  # actions/checkout

    def expression(m: re.Match) -> str:
        name = m.group(1).strip()
        if name == "secrets.INFINIPOST_API_KEY":
            return SANDBOX_KEY
        return "https://hooks.example.com/dummy" if name.startswith("secrets.") else "dummy"

    out = []
    for step in job["steps"]:
        if "run" not in step or "docker" not in step["run"]:
            continue
        env = base_env(tmp) | {k: str(v) for k, v in (wf.get("env", {}) | job.get("env", {}) | step.get("env", {})).items()}
        env = {k: re.sub(r"\$\{\{([^}]*)\}\}", expression, v) for k, v in env.items()}
        # The shim takes the -e values from this environment, as docker would from the runner's.
        env = peers.substitute(env) | {
            "PATH": f"{shim}:{env['PATH']}", "GITHUB_OUTPUT": str(root / "output"),
            "GITHUB_STEP_SUMMARY": str(root / "summary"),
            "SHIPPED_BIN": bin, "SHIPPED_API_URL": peers.api_url, "SHIPPED_TMP": str(root)}
        expect = "check" if step.get("id") == "check" else "zero"
        mounted = re.search(r'-v "\$PWD/([^":]+):/etc/postwatch/rules', step["run"])
        out.append(Deployment(f"workflow step \"{step.get('name', step.get('id'))}\"", "ci",
                              ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                              env, expect, work, shell=True,
                              rules=work / mounted.group(1) if mounted else work / "<no rules mount>"))
    return out


def docker_shim(args: list[str]) -> int:
    """`docker run [--rm] [--user U] [-e NAME[=V]] [-v SRC:DST[:ro]] IMAGE ARGS...` as the image
    would run it: ENTRYPOINT postwatch, the image's ENV, mounts mapped to their host paths."""
    assert args[0] == "run", f"docker {args[0]} is not played by the shim"
    env = base_env(Path(os.environ["SHIPPED_TMP"])) | image_env()
    mounts: dict[str, str] = {}
    i = 1
    while args[i].startswith("-"):
        flag = args[i]
        if flag in ("--rm", "-i", "-t", "-it"):
            i += 1
            continue
        value = args[i + 1]
        if flag == "-e":
            name, eq, v = value.partition("=")
            env[name] = v if eq else os.environ.get(name, "")
        elif flag == "-v":
            source, target = value.split(":")[:2]
            mounts[target] = source
        i += 2
    env["INFINIPOST_API_URL"] = os.environ["SHIPPED_API_URL"]
    env = {k: to_host(v, mounts) for k, v in env.items()}
    state = Path(to_host("/var/lib/postwatch", mounts))
    if not state.is_absolute() or not state.exists():
        # No volume there: the image's directory, which dies with the container.
        state = Path(os.environ["SHIPPED_TMP"]) / "container-state"
        state.mkdir(exist_ok=True)
        env = {k: v.replace("/var/lib/postwatch", str(state)) for k, v in env.items()}
    return subprocess.call([os.environ["SHIPPED_BIN"]] + [to_host(a, mounts) for a in args[i + 1:]], env=env)


# --------------------------------------------------------------------------------------------
class LocalPostgres:
    """A private PostgreSQL cluster for the shared-store deployments: initdb and pg_ctl from
    Debian's postgresql (make deps installs it), as the postgres user when run as root (initdb
    refuses root), trust authentication on loopback, a database `postwatch`."""

    BIN = Path("/usr/lib/postgresql/15/bin")

    def __init__(self, root: Path) -> None:
        self.root, self.port = root, free_port()

    def _run(self, *args: str) -> None:
        user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run(user + list(args), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self) -> str:
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        data = self.root / "data"
        self._run(str(self.BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self._run(str(self.BIN / "pg_ctl"), "-D", str(data), "-w", "-l", str(self.root / "log"), "start", "-o",
                  f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off")
        self._run(str(self.BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "postwatch")
        return f"postgres://postgres@127.0.0.1:{self.port}/postwatch?sslmode=disable"

    def stop(self) -> None:
        try:
            self._run(str(self.BIN / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "stop")
        except (subprocess.CalledProcessError, FileNotFoundError):
            pass


def execute_replicas(d: Deployment, count: int, log: Path) -> tuple[bool, str]:
    """Runs `count` replicas of a daemon on the shared store, as the Deployment would: each is
    ready (/readyz 200), exactly one says `leader`, and each exits 0 on SIGTERM."""
    procs, ports = [], []
    with open(log, "w") as out:
        for n in range(count):
            port = free_port()
            args = [re.sub(r"^(.*):\d+$", rf"\g<1>:{port}", a) if a.endswith(tuple("0123456789")) and "0.0.0.0:" in a else a
                    for a in d.argv]
            env = d.env | {"POSTWATCH_REPLICA_ID": f"{d.env.get('POSTWATCH_REPLICA_ID', 'replica')}-{n}"}
            procs.append(subprocess.Popen(args, env=env, cwd=d.cwd, stdout=out, stderr=subprocess.STDOUT,
                                          start_new_session=True))
            ports.append(port)
        try:
            ready = all(wait_http(f"http://127.0.0.1:{p}/readyz", 90, alive=lambda q=q: q.poll() is None)
                        for p, q in zip(ports, procs))
            roles = []
            for p in ports:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{p}/readyz", timeout=2) as r:
                        roles.append(r.read().decode(errors="replace").strip())
                except OSError as error:
                    roles.append(f"<{error}>")
            leaders = sum("leader" in r and "follower" not in r for r in roles)
            early = [q.poll() for q in procs if q.poll() is not None]
        finally:
            codes = []
            for q in procs:
                if q.poll() is None:
                    q.send_signal(signal.SIGTERM)
            for q in procs:
                try:
                    codes.append(q.wait(timeout=60))
                except subprocess.TimeoutExpired:
                    os.killpg(q.pid, signal.SIGKILL)
                    codes.append("killed")
    ok = ready and not early and leaders == 1 and all(c == 0 for c in codes)
    return ok, f"{count} replicas ready: {ready}, /readyz says {roles}, exit {codes} on SIGTERM"


def execute(d: Deployment, log: Path) -> tuple[bool, str]:
    """Runs one deployment's command; (as expected, what happened)."""
    if d.expect.startswith("replicas:"):
        return execute_replicas(d, int(d.expect.split(":")[1]), log)
    with open(log, "w") as out:
        p = subprocess.Popen(d.argv, env=d.env, cwd=d.cwd, stdout=out, stderr=subprocess.STDOUT,
                             start_new_session=True)
        if d.expect != "run":
            try:
                code = p.wait(timeout=120)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                return False, "still running after 120 s"
            ok = code == 0 or (d.expect == "check" and code == 1)
            return ok, f"exit {code}"
        args = d.argv
        address = (args[args.index("--metrics-address") + 1] if "--metrics-address" in args
                   else d.env.get("POSTWATCH_METRICS_ADDRESS", "127.0.0.1:9464"))
        ready = wait_http(f"http://127.0.0.1:{address.rsplit(':', 1)[1]}/readyz", 90, alive=lambda: p.poll() is None)
        early = p.poll()
        if early is not None:
            return False, f"exited {early} before completing a cycle"
        p.send_signal(signal.SIGTERM)
        try:
            code = p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            return False, "did not end within 60 s of SIGTERM"
        return ready and code == 0, f"{'a complete cycle' if ready else 'no complete cycle (/readyz) in 90 s'}, exit {code} on SIGTERM"


CHANNEL_RE = re.compile(r'^\s*channel\s+(\w+)\s*=\s*(\w+)\s+(env:\w+|file:\S+|"[^"]*")', re.M)


def destinations(d: Deployment) -> set[str]:
    """Where the deployment's rules can notify: every declared channel's destination, resolved
    with its environment. Console output is the job's own log, nobody's inbox: not counted."""
    out = set()
    files = sorted(d.rules_dir().glob("*.rules"))
    if not files:
        out.add(f"<no rule files in {d.rules_dir()}>")  # never silently compare nothing
    for f in files:
        for _, kind, target in CHANNEL_RE.findall(f.read_text()):
            if target.startswith("env:"):
                value = d.env.get(target[4:], f"<unset {target[4:]}>")
            elif target.startswith("file:"):
                path = Path(d.host(target[5:]))
                value = path.read_text().strip() if path.exists() else f"<missing {path}>"
            else:
                value = target.strip('"')
            parts = [p.strip() for p in value.split(",")] if kind == "email" else [value]
            out.update(f"{kind} {p}" for p in parts if p)
    return out


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "docker":
        return docker_shim(sys.argv[2:])
    bin, tmp = str(Path(sys.argv[1]).resolve()), Path(sys.argv[2])
    tmp.mkdir(parents=True, exist_ok=True)
    here = Path(__file__).resolve().parent
    rport, sport = free_port(), free_port()
    postgres = LocalPostgres(tmp / "postgres")
    peers = Peers(f"http://127.0.0.1:{sport}", f"http://127.0.0.1:{rport}", tmp / "received.jsonl",
                  f"smtp://127.0.0.1:{free_port()}", postgres.start())
    helpers = [
        subprocess.Popen([sys.executable, str(here / "receiver.py"), str(rport), str(peers.receiver_log)]),
        subprocess.Popen([bin, "sandbox", "--port", str(sport), "--posts", "200", "--tick", "200ms"],
                         cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
    ]
    try:
        up = wait_http(f"{peers.receiver}/up", 20) and wait_http(
            f"{peers.api_url}/v1/posts?limit=1", 30, {"Authorization": f"Bearer {SANDBOX_KEY}"})
        check(up, "the receiver and postwatch sandbox are up")
        if not up:
            return failures
        deployments = []
        for source in (systemd, kubernetes, compose, github):
            try:
                deployments += source(bin, peers, tmp)
            except Exception as error:  # a file the extraction no longer understands: say so
                check(False, f"{source.__name__}: extracting the shipped command: {type(error).__name__}: {error}")
        hits: dict[str, set[str]] = {}
        for n, d in enumerate(deployments):
            before = len(peers.requests())
            log = tmp / f"run-{n}.log"
            ok, what = execute(d, log)
            output = Path(d.env.get("GITHUB_OUTPUT", "/nonexistent"))
            if d.shell and d.expect == "check" and output.exists():
                # The step maps postwatch's code (4 passes with a warning): judge postwatch's own.
                code = re.findall(r"^exit-code=(\d+)$", output.read_text(), re.M)
                ok = ok and code[-1:] in (["0"], ["1"])
                what += f"; postwatch check exited {code[-1] if code else '?'}"
            shown = " ".join(d.argv[-1].replace("\\\n", " ").split()) if d.shell else shlex.join(d.argv[1:])
            check(ok, f"{d.name} ({shown[:90]}): {what}", "" if ok else log.read_text(errors="replace"))
            hits[d.name] = {f"{peers.receiver}{r['path']}" for r in peers.requests()[before:]}
        daemon_dest = set().union(*(destinations(d) for d in deployments if d.role == "daemon"))
        check(bool(daemon_dest) and not any(x.startswith("<no rule files") for x in daemon_dest),
              f"the daemons' rules name {len(daemon_dest)} destination(s) to compare the CI jobs' with")
        for d in (d for d in deployments if d.role == "ci" and d.expect != "zero"):  # those that notify
            mine = destinations(d)
            shared = sorted(mine & daemon_dest)
            check(not shared and not any(x.startswith("<no rule files") for x in mine),
                  f"{d.name}: its rules notify no destination a daemon's rules notify "
                  f"({len(mine)} non-console destination(s); shared: {shared or 'none'})")
            sent = sorted(u for u in hits.get(d.name, ()) if any(x.endswith(" " + u) for x in daemon_dest))
            check(not sent, f"{d.name}: sent nothing to a daemon's destination ({sent or 'none'})")
    finally:
        for h in helpers:
            h.terminate()
            h.wait()
        postgres.stop()
    return min(failures, 100)


if __name__ == "__main__":
    sys.exit(main())
