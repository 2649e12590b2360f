"""Structural and cross-file checks of deploy/ that no off-the-shelf linter makes.

Run by deploy/check.sh with the tools venv's Python (PyYAML). Each check prints one line,
"ok: ..." or "FAIL: ...", and the exit status is the number of failures (capped at 100).

What it checks, and why:
- the Dockerfile builds the product the way the runtime stage expects (a static Swift stdlib,
  the libraries the binary links, a non-root user, the state volume, the HEALTHCHECK);
- the build context keeps what SwiftPM needs (Dockerfile.dockerignore);
- the Kubernetes objects refer to each other correctly (labels, names, ports, probes);
- kustomization.yaml lists every manifest, and prometheusrule.yaml holds exactly the rules of
  deploy/prometheus/postwatch-alerts.yml;
- the GitHub workflow keeps its state between runs even when the check fails, and handles
  every exit code of DESIGN.md;
- every flag, environment variable and metric used anywhere in deploy/ is documented in
  docs/operations.md, and every flag used is one the command line has (or is listed as
  assumed there);
- the env examples and the example Secret list exactly the secrets the daemon's rules name,
  with the SMTP settings when they have an email channel, and the CI job's rules are
  rules/ci/ (issue 14: deployments that failed at start as shipped);
- the memory figures in deployment.yaml are the measured ones of docs/benchmarks.md.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parent.parent
ROOT = DEPLOY.parent
OPERATIONS = ROOT / "docs" / "operations.md"

failures = 0


def check(ok: bool, what: str) -> None:
    global failures
    print(("ok: " if ok else "FAIL: ") + what)
    if not ok:
        failures += 1


def load_all(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


# --------------------------------------------------------------------------------------------
# Docker
def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out: list[tuple[str, str]] = []
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if current and line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        word, _, rest = current.partition(" ")
        out.append((word.upper(), rest.strip()))
        current = ""
    return out


def check_docker() -> None:
    text = (DEPLOY / "docker" / "Dockerfile").read_text()
    instructions = dockerfile_instructions(text)
    stages: list[list[tuple[str, str]]] = []
    for ins in instructions:
        if ins[0] == "FROM":
            stages.append([])
        if stages:
            stages[-1].append(ins)
    check(len(stages) == 2, "Dockerfile has two stages (build, runtime)")
    if len(stages) != 2:
        return
    build, runtime = stages
    build_runs = " ".join(a for i, a in build if i == "RUN")
    check(
        "swift build -c release --product postwatch --static-swift-stdlib" in build_runs,
        "build stage: swift build -c release --product postwatch --static-swift-stdlib",
    )
    for pkg in ("libcurl4-openssl-dev", "libsqlite3-dev"):
        check(pkg in build_runs, f"build stage installs {pkg}")
    runtime_runs = " ".join(a for i, a in runtime if i == "RUN")
    for pkg in ("libcurl4", "libsqlite3-0", "libstdc++6", "ca-certificates", "tzdata", "curl"):
        check(re.search(rf"\b{re.escape(pkg)}\b", runtime_runs) is not None, f"runtime stage installs {pkg}")
    check("debian:bookworm" in text and "bookworm-slim" in text, "runtime image is Debian bookworm-slim")
    users = [a for i, a in runtime if i == "USER"]
    check(bool(users) and users[-1].split(":")[0] not in ("root", "0"), "runtime stage runs as a non-root USER")
    check(any(i == "VOLUME" and "/var/lib/postwatch" in a for i, a in runtime), "state VOLUME /var/lib/postwatch")
    health = [a for i, a in runtime if i == "HEALTHCHECK"]
    check(bool(health) and "/healthz" in health[-1], "HEALTHCHECK probes /healthz")
    check(any(i == "COPY" and "--from=build" in a and "/usr/local/bin/postwatch" in a for i, a in runtime),
          "runtime stage copies the binary from the build stage")
    envs = " ".join(a for i, a in runtime if i == "ENV")
    check("POSTWATCH_RULES=/etc/postwatch/rules" in envs and "POSTWATCH_STATE=/var/lib/postwatch/" in envs,
          "runtime ENV points POSTWATCH_RULES and POSTWATCH_STATE at the mounts")
    cmd = [a for i, a in runtime if i == "CMD"]
    check(bool(cmd) and "0.0.0.0:9464" in cmd[-1], "CMD binds the metrics listener on all interfaces")

    ignore = [l.strip() for l in (DEPLOY / "docker" / "Dockerfile.dockerignore").read_text().splitlines()
              if l.strip() and not l.startswith("#")]
    for needed in ("Package.swift", "Sources", "Tests"):
        check(needed not in ignore and f"{needed}/" not in ignore, f"build context keeps {needed}")
    check(".build" in ignore, "build context leaves out .build")

    compose = yaml.safe_load((DEPLOY / "docker" / "compose.yaml").read_text())
    svc = compose["services"]["postwatch"]
    check(any(str(v).startswith("postwatch-state:/var/lib/postwatch") for v in svc["volumes"]),
          "compose: named volume on /var/lib/postwatch")
    check("postwatch-state" in compose.get("volumes", {}), "compose: volume postwatch-state declared")
    check(":?" in str(svc["environment"].get("INFINIPOST_API_KEY", "")),
          "compose: INFINIPOST_API_KEY is required from the environment (${...:?})")
    check(svc["build"]["dockerfile"] == "deploy/docker/Dockerfile" and svc["build"]["context"] == "../..",
          "compose: builds deploy/docker/Dockerfile from the repository root")


# --------------------------------------------------------------------------------------------
# Kubernetes
def check_kubernetes() -> None:
    kdir = DEPLOY / "kubernetes"
    docs: dict[tuple[str, str], dict] = {}
    for path in sorted(kdir.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for d in load_all(path):
            docs[(d["kind"], d["metadata"]["name"])] = d

    kust = yaml.safe_load((kdir / "kustomization.yaml").read_text())
    listed = set(kust["resources"])
    present = {p.name for p in kdir.glob("*.yaml")} - {"kustomization.yaml"}
    check(listed == present, f"kustomization.yaml lists every manifest ({sorted(present ^ listed) or 'none missing'})")

    dep = docs.get(("Deployment", "postwatch"))
    check(dep is not None, "Deployment postwatch exists")
    if dep is None:
        return
    spec = dep["spec"]
    # Replicas on the shared PostgreSQL store (docs/ha.md): one polls under the lease, all deliver.
    check(spec["replicas"] >= 2, "Deployment: at least two replicas (high availability on PostgreSQL)")
    rolling = spec["strategy"].get("rollingUpdate", {})
    check(spec["strategy"]["type"] == "RollingUpdate" and rolling.get("maxUnavailable") == 0,
          "Deployment: rolling update that never takes a replica away before its successor is up")
    pdb = docs.get(("PodDisruptionBudget", "postwatch"))
    check(pdb is not None and pdb["spec"].get("minAvailable") == 1
          and pdb["spec"]["selector"]["matchLabels"] == spec["selector"]["matchLabels"],
          "PodDisruptionBudget postwatch keeps one replica of the Deployment through a drain")
    pod = spec["template"]["spec"]
    labels = spec["template"]["metadata"]["labels"]
    check(all(labels.get(k) == v for k, v in spec["selector"]["matchLabels"].items()),
          "Deployment: selector matches the pod labels")
    ann = spec["template"]["metadata"].get("annotations", {})
    c = pod["containers"][0]
    port = {p["name"]: p["containerPort"] for p in c["ports"]}
    check(ann.get("prometheus.io/scrape") == "true" and ann.get("prometheus.io/path") == "/metrics"
          and int(ann.get("prometheus.io/port", 0)) == port.get("metrics"),
          "Deployment: Prometheus scrape annotations match the metrics port")
    check("0.0.0.0:%d" % port.get("metrics", 0) in c["args"], "Deployment: --metrics-address binds the container port")
    check(c["livenessProbe"]["httpGet"]["path"] == "/healthz" and c["readinessProbe"]["httpGet"]["path"] == "/readyz"
          and c["startupProbe"]["httpGet"]["path"] == "/healthz", "Deployment: probes on /healthz and /readyz")
    check("requests" in c["resources"] and "memory" in c["resources"].get("limits", {}),
          "Deployment: resource requests and a memory limit")
    mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
    check(mounts.get("rules") == "/etc/postwatch/rules", "Deployment: rules mounted where POSTWATCH_RULES points")
    check(not any("persistentVolumeClaim" in v for v in pod["volumes"]), "Deployment: no volume for state (it is in PostgreSQL)")
    env_from = {e["name"]: e.get("valueFrom", {}) for e in c.get("env", [])}
    state_ref = env_from.get("POSTWATCH_STATE", {}).get("secretKeyRef", {})
    pg = docs.get(("Secret", state_ref.get("name", "?")), {}).get("stringData", {})
    state_url = pg.get(state_ref.get("key", "?"), "")
    check(state_url.startswith("postgres://") and "sslmode=verify-full" in state_url and ":" not in state_url.split("@")[0][len("postgres://"):],
          "Deployment: POSTWATCH_STATE is the Secret's postgres:// URL, verify-full, with no password in it")
    password_file = c["args"][c["args"].index("--state-password-file") + 1] if "--state-password-file" in c["args"] else "?"
    check(password_file == mounts.get("postgres", "?") + "/password" and "password" in pg,
          "Deployment: --state-password-file points at the mounted Secret key")
    ca = re.search(r"sslrootcert=([^&]+)", state_url)
    check(bool(ca) and ca.group(1) == mounts.get("postgres", "?") + "/ca.crt" and "ca.crt" in pg,
          "Deployment: the URL's sslrootcert is the mounted Secret's CA")
    check(env_from.get("POSTWATCH_REPLICA_ID", {}).get("fieldRef", {}).get("fieldPath") == "metadata.name",
          "Deployment: each replica is named after its pod (POSTWATCH_REPLICA_ID)")

    for kind_name, podspec, container in (
        ("Deployment postwatch", pod, c),
        ("CronJob postwatch-check", None, None),
    ):
        if podspec is None:
            cj = docs.get(("CronJob", "postwatch-check"))
            check(cj is not None, "CronJob postwatch-check exists")
            if cj is None:
                continue
            job = cj["spec"]["jobTemplate"]["spec"]
            podspec = job["template"]["spec"]
            container = podspec["containers"][0]
            check(container["args"][0] == "check", "CronJob runs `postwatch check`")
            check(cj["spec"]["concurrencyPolicy"] == "Forbid", "CronJob: concurrencyPolicy Forbid (one state writer)")
            rules = job.get("podFailurePolicy", {}).get("rules", [])
            failjob = [r for r in rules if r["action"] == "FailJob" and "onExitCodes" in r]
            check(bool(failjob) and set(failjob[0]["onExitCodes"]["values"]) == {1, 2}
                  and failjob[0]["onExitCodes"]["containerName"] == container["name"],
                  "CronJob: exit 1 and 2 fail the Job without retries")
        sc = podspec["securityContext"]
        check(sc.get("runAsNonRoot") is True and sc.get("runAsUser") == 10001 and sc.get("fsGroup") == 10001,
              f"{kind_name}: runs as the image's uid 10001 with fsGroup for the volume")
        csc = container["securityContext"]
        check(csc.get("readOnlyRootFilesystem") is True and csc.get("allowPrivilegeEscalation") is False
              and csc.get("capabilities", {}).get("drop") == ["ALL"],
              f"{kind_name}: read-only root, no privilege escalation, no capabilities")
        for vol in podspec["volumes"]:
            if "persistentVolumeClaim" in vol:
                name = vol["persistentVolumeClaim"]["claimName"]
                check(("PersistentVolumeClaim", name) in docs, f"{kind_name}: PVC {name} is defined")
            if "configMap" in vol:
                name = vol["configMap"]["name"]
                check(("ConfigMap", name) in docs, f"{kind_name}: ConfigMap {name} is defined")
            if "secret" in vol:
                name = vol["secret"]["secretName"]
                check(("Secret", name) in docs, f"{kind_name}: Secret {name} is defined (example)")
        for ef in container.get("envFrom", []):
            name = ef["secretRef"]["name"]
            check(("Secret", name) in docs, f"{kind_name}: Secret {name} (envFrom) is defined (example)")
        key_file = container["args"][container["args"].index("--api-key-file") + 1]
        api_mount = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}.get("api", "?")
        secret = docs.get(("Secret", "postwatch-api"), {})
        check(key_file == api_mount + "/api-key" and "api-key" in secret.get("stringData", {}),
              f"{kind_name}: --api-key-file points at the mounted Secret key")

    svc = docs.get(("Service", "postwatch-metrics"))
    check(svc is not None and all(labels.get(k) == v for k, v in svc["spec"]["selector"].items())
          and svc["spec"]["ports"][0]["targetPort"] == "metrics",
          "Service postwatch-metrics selects the pod's metrics port")

    # The Secret holds exactly what the daemon's rules need: no missing name (exit 2 at start),
    # no stale one that misleads whoever fills it in.
    rules_cm = docs.get(("ConfigMap", "postwatch-rules"), {})
    channels = docs.get(("Secret", "postwatch-channels"), {}).get("stringData", {})
    env = {e["name"] for e in c.get("env", [])}
    check_rule_secrets("Secret postwatch-channels (with the Deployment's env)", "\n".join(rules_cm.get("data", {}).values()),
                       set(channels) | env)
    cj = docs.get(("CronJob", "postwatch-check"), {})
    cj_pod = cj.get("spec", {}).get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec", {})
    cj_maps = [v["configMap"]["name"] for v in cj_pod.get("volumes", []) if "configMap" in v]
    ci_rules = {p.name: p.read_text() for p in sorted((ROOT / "rules" / "ci").glob("*.rules"))}
    check(cj_maps == ["postwatch-check-rules"] and docs.get(("ConfigMap", "postwatch-check-rules"), {}).get("data") == ci_rules,
          "CronJob: mounts its own rules, postwatch-check-rules, which hold exactly rules/ci/*.rules")
    check(not cj_pod.get("containers", [{}])[0].get("envFrom"), "CronJob: no channel secrets (its rules name none)")

    # Memory: the comment's figures are measured ones, not estimates that drift from them.
    sizing = (kdir / "deployment.yaml").read_text().split("resources:")[0].rsplit("# Measured", 1)[-1]
    figures = re.findall(r"(\d+) MB", sizing)
    bench = (ROOT / "docs" / "benchmarks.md").read_text()
    unmeasured = [f for f in figures if f"{f} MB" not in bench and f"| {f} |" not in bench]  # text or RSS table
    check(bool(figures) and not unmeasured,
          f"deployment.yaml's memory figures {figures} are in docs/benchmarks.md (not there: {unmeasured or 'none'})")

    # PrometheusRule == deploy/prometheus/postwatch-alerts.yml
    pr = docs.get(("PrometheusRule", "postwatch"))
    plain = yaml.safe_load((DEPLOY / "prometheus" / "postwatch-alerts.yml").read_text())
    check(pr is not None and pr["spec"] == plain,
          "prometheusrule.yaml holds exactly deploy/prometheus/postwatch-alerts.yml "
          "(regenerate: deploy/check.sh --regenerate-prometheusrule)")


RULE_ENV_RE = re.compile(r"env:([A-Z_][A-Z0-9_]*)")
SMTP_NEEDED = {"POSTWATCH_SMTP_URL", "POSTWATCH_SMTP_FROM"}


def check_rule_secrets(where: str, rule_text: str, provided: set[str], mentioned: set[str] = frozenset()) -> None:
    """`provided` (variable names set) is exactly the rules' env: secrets, plus SMTP for email;
    `mentioned` (commented out) may not name secrets the rules do not use either."""
    wanted = set(RULE_ENV_RE.findall(rule_text))
    secrets = {v for v in provided if not v.startswith(("POSTWATCH_", "INFINIPOST_"))}
    unused = {v for v in secrets | set(mentioned) if not v.startswith(("POSTWATCH_", "INFINIPOST_"))} - wanted
    check(secrets == wanted and not unused, f"{where}: exactly the env: secrets of the daemon's rules "
          f"(missing: {sorted(wanted - secrets) or 'none'}; unused: {sorted(unused) or 'none'})")
    if re.search(r"^\s*channel\s+\w+\s*=\s*email\b", rule_text, re.M):
        check(SMTP_NEEDED <= provided, f"{where}: SMTP settings for the rules' email channel "
              f"(missing: {sorted(SMTP_NEEDED - provided) or 'none'})")


def check_env_examples() -> None:
    daemon_rules = "\n".join(p.read_text() for p in sorted((ROOT / "rules").glob("*.rules")))
    for example in (DEPLOY / "systemd" / "postwatch.env.example", DEPLOY / "docker" / "postwatch.env.example"):
        text = example.read_text()
        names = set(re.findall(r"^([A-Z_][A-Z0-9_]*)=", text, re.M))
        commented = set(re.findall(r"^#([A-Z_][A-Z0-9_]*)=", text, re.M))  # listed too, to be filled in
        check_rule_secrets(str(example.relative_to(DEPLOY)) + " (rules/*.rules)", daemon_rules, names, commented)
    check(not re.search(r"^\s*notify\b.*\bconsole\b", daemon_rules, re.M),
          "rules/*.rules (the daemon's) print nothing to the console: the CI rules are in rules/ci/")


# --------------------------------------------------------------------------------------------
# GitHub Actions
def check_github_actions() -> None:
    wf = yaml.safe_load((DEPLOY / "github-actions" / "postwatch-check.yml").read_text())
    on = wf.get(True, wf.get("on"))  # YAML 1.1 reads the key `on` as True
    check(isinstance(on, dict) and "schedule" in on and "workflow_dispatch" in on, "workflow: scheduled and manual triggers")
    check(wf.get("concurrency", {}).get("cancel-in-progress") is False, "workflow: one run at a time, never cancelled mid-write")
    steps = wf["jobs"]["check"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    restore = [s for s in steps if s.get("uses", "").startswith("actions/cache/restore@")]
    save = [s for s in steps if s.get("uses", "").startswith("actions/cache/save@")]
    check(bool(restore) and bool(save), "workflow: state restored and saved with actions/cache")
    check(bool(save) and "always()" in str(save[0].get("if", "")), "workflow: state saved even when the check fails")
    check(bool(restore) and bool(save) and restore[0]["with"]["path"] == save[0]["with"]["path"],
          "workflow: the same state path is restored and saved")
    check(uses.index(restore[0]["uses"]) < [i for i, s in enumerate(steps) if s.get("id") == "check"][0] < uses.index(save[0]["uses"]),
          "workflow: restore, then check, then save")
    for step in steps:
        if "postwatch/rules" in step.get("run", ""):
            check('"$PWD/rules/ci:/etc/postwatch/rules' in step["run"],
                  f"workflow step {step.get('name', step.get('id'))!r}: mounts the CI rules (rules/ci), not the daemon's")
    lint = next((s["run"] for s in steps if "rules lint" in s.get("run", "")), "")
    check("--skip-secrets" in lint, "workflow: the lint step, which has no secrets, passes --skip-secrets")
    run = next(s for s in steps if s.get("id") == "check")["run"]
    check("postwatch" in run and re.search(r"\bcheck\b", run) is not None, "workflow: runs postwatch check")
    for code in "01234":
        check(re.search(rf"^\s*{code}\)", run, re.M) is not None, f"workflow: handles exit code {code}")
    check(re.search(r"^\s*1\).*exit 1", run, re.M) is not None, "workflow: exit 1 fails the job")
    check("${{" not in run, "workflow: no ${{ }} expansion inside the script (secrets and inputs go through env)")


# --------------------------------------------------------------------------------------------
# Documentation coverage
FLAG_RE = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]+)")
ENV_RE = re.compile(r"\b((?:POSTWATCH|INFINIPOST)_[A-Z_]+)\b")
METRIC_RE = re.compile(r"\b(postwatch_[a-z_]+)\b")
# Flags of other programs that appear in deploy/ files.
FOREIGN_FLAGS = {
    "--build", "--name", "--rm", "--user", "--config", "--from", "--fail", "--silent", "--show-error",
    "--max-time", "--output", "--interval", "--timeout", "--start-period", "--retries", "--mount",
    "--no-install-recommends", "--no-log-init", "--system", "--gid", "--uid", "--no-create-home", "--home-dir", "--shell",
    "--now", "--from-file", "--from-env-file", "--env-file", "--regenerate-prometheusrule", "--static-swift-stdlib",
    "--product", "--show-bin-path", "--help",
}


def check_docs() -> None:
    if not OPERATIONS.exists():
        check(False, "docs/operations.md exists")
        return
    doc = OPERATIONS.read_text()
    ci_doc = (ROOT / "docs" / "ci.md").read_text() if (ROOT / "docs" / "ci.md").exists() else ""
    files = [p for p in DEPLOY.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml", ".service", ".example", "")
             and "check" not in p.parts]
    files.append(DEPLOY / "docker" / "Dockerfile")
    flags: set[str] = set()
    envs: set[str] = set()
    metrics: set[str] = set()
    for p in files:
        text = p.read_text(errors="replace")
        # Only flags given to postwatch: lines that mention it, and YAML list items (args:).
        for line in text.splitlines():
            if "postwatch" in line or re.match(r"\s*- --", line) or "--since" in line:
                flags.update(FLAG_RE.findall(line))
        envs.update(ENV_RE.findall(text))
        metrics.update(m for m in METRIC_RE.findall(text) if not m.endswith("_"))
    flags -= FOREIGN_FLAGS
    # `--interval` and `--output` are both postwatch's and others'; make sure postwatch's are documented.
    flags |= {"--interval", "--output"}
    missing_flags = sorted(f for f in flags if f"`{f}" not in doc)
    check(not missing_flags, f"docs/operations.md documents every postwatch flag used in deploy/ (missing: {missing_flags})")
    missing_env = sorted(e for e in envs if f"`{e}" not in doc and f"`{e}" not in ci_doc)
    check(not missing_env, "docs/operations.md (or docs/ci.md for the workflow's) documents every environment "
          f"variable used in deploy/ (missing: {missing_env})")
    base = {re.sub(r"_(bucket|sum|count)$", "", m) for m in metrics}
    missing_metrics = sorted(m for m in base if f"`{m}" not in doc)
    check(not missing_metrics, f"docs/operations.md documents every metric used in deploy/ (missing: {missing_metrics})")
    for code in "01234":
        check(re.search(rf"^\|\s*`{code}`", doc, re.M) is not None, f"docs/operations.md explains exit code {code}")
    check((ROOT / "docs" / "ci.md").exists(), "docs/ci.md exists")


def main() -> int:
    for section in (check_docker, check_kubernetes, check_env_examples, check_github_actions, check_docs):
        try:
            section()
        except Exception as error:  # a malformed file: report it as a failure, keep going
            check(False, f"{section.__name__}: {type(error).__name__}: {error}")
    return min(failures, 100)


if __name__ == "__main__":
    sys.exit(main())
