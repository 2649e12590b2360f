"""Turn the runtime stage of deploy/docker/Dockerfile into a script that replays it in a root.

usage: runtime_stage.py DOCKERFILE
Prints a bash script (to run with ROOT and BINARY set) that performs the runtime stage's
instructions against the directory $ROOT instead of an image layer: RUN (shell and exec form)
through chroot, COPY --from=build of the binary as an install of $BINARY. ENV, USER, VOLUME,
HEALTHCHECK and the rest describe the container and are checked separately. Used by
`deploy/check.sh --runtime-rootfs`, so that the Dockerfile's own commands are what is tested.
"""

import json
import shlex
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from consistency import dockerfile_instructions  # noqa: E402


def main() -> int:
    instructions = dockerfile_instructions(open(sys.argv[1]).read())
    last_from = max(i for i, (word, _) in enumerate(instructions) if word == "FROM")
    print("set -euo pipefail")
    for word, args in instructions[last_from + 1:]:
        if word == "RUN":
            if args.startswith("["):
                command = shlex.join(json.loads(args))
            else:
                command = args
            print(f"echo {shlex.quote('RUN ' + command[:100])}")
            print(f"chroot \"$ROOT\" /bin/sh -ec {shlex.quote(command)}")
        elif word == "COPY" and "--from=build" in args:
            destination = args.split()[-1]
            print(f"echo {shlex.quote('COPY ' + args)}")
            print(f"install -D -m 0755 \"$BINARY\" \"$ROOT{destination}\"")
        elif word == "HEALTHCHECK":
            command = args.split("CMD", 1)[1].strip()
            print(f"HEALTHCHECK_CMD={shlex.quote(shlex.join(json.loads(command)) if command.startswith('[') else command)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
