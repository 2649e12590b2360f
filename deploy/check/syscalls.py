"""Which system calls of a strace log the unit's SystemCallFilter= would refuse.

usage: syscalls.py UNIT STRACE_LOG
Reads the SystemCallFilter= lines of UNIT (allow lists, and ~deny lists subtracted in order,
as systemd applies them), expands the @groups with `systemd-analyze syscall-filter`, and prints
each call in the log that the filter does not allow. Exit 1 if there is any.
"""

import re
import subprocess
import sys


def groups() -> dict[str, list[str]]:
    out = subprocess.run(["systemd-analyze", "syscall-filter"], check=True, capture_output=True, text=True).stdout
    table: dict[str, list[str]] = {}
    current = None
    for line in out.splitlines():
        if line.startswith("@"):
            current = line.strip()
            table[current] = []
        elif current and line.strip() and not line.strip().startswith("#"):
            table[current].append(line.strip())
    return table


def expand(name: str, table: dict[str, list[str]], seen=None) -> set[str]:
    seen = seen or set()
    if not name.startswith("@"):
        return {name}
    if name in seen:
        return set()
    seen.add(name)
    result: set[str] = set()
    for member in table.get(name, []):
        result |= expand(member, table, seen)
    return result


def main() -> int:
    unit, log = sys.argv[1], sys.argv[2]
    table = groups()
    allowed: set[str] | None = None
    for line in open(unit):
        m = re.match(r"SystemCallFilter=(~?)(.*)", line.strip())
        if not m:
            continue
        names = set()
        for item in m.group(2).split():
            names |= expand(item, table)
        if m.group(1):
            allowed = (allowed if allowed is not None else set()) - names
        else:
            allowed = (allowed or set()) | names
    used = set()
    for line in open(log):
        m = re.match(r"\s*(?:\d+\s+)?([a-z0-9_]+)\(", line)
        if m:
            used.add(m.group(1))
    # execve is made by strace's child before the filter would be in place under systemd too.
    refused = sorted(u for u in used - (allowed or set()) if u != "execve")
    print(f"{len(used)} distinct calls; outside SystemCallFilter=: {', '.join(refused) or 'none'}")
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
