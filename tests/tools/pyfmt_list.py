"""Print the files (given as arguments) that a Python formatter would
change, one a line, as `gofmt -l` and `prettier --list-different` do:

    python3 pyfmt_list.py black PATH-TO-BLACK FILE...
    python3 pyfmt_list.py ruff PATH-TO-RUFF FILE...

Exit status 2 when the formatter cannot run or cannot parse a file."""
from __future__ import annotations

import re
import subprocess
import sys

COMMANDS = {
    "black": (["--check", "--no-color"], re.compile(r"^would reformat (.+)$")),
    "ruff": (["format", "--check", "--no-cache", "--output-format=concise"],
             re.compile(r"^(.+?):\d+:\d+: unformatted:")),
}


def main(argv: list[str]) -> int:
    name, exe, files = argv[0], argv[1], argv[2:]
    if not files:
        return 0
    options, pattern = COMMANDS[name]
    run = subprocess.run([exe, *options, *files], capture_output=True, text=True)
    for line in (run.stdout + run.stderr).splitlines():
        m = pattern.match(line.strip())
        if m:
            print(m.group(1).strip())
    failed = run.returncode not in (0, 1) or "error: cannot format" in run.stderr or "error:" in run.stdout
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
