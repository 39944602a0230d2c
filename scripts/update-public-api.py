#!/usr/bin/env python3
"""Brings the PublicAPI.*.txt files in line with the code after a deliberate change of the public surface.

Builds the solution, reads the analyzer's RS0016 (public but not declared) and RS0017 (declared but gone)
errors, adds the first to the project's PublicAPI.Unshipped.txt and removes the second from whichever
file declares them. Run it again until the build is clean: a removed type can hide its members' errors.
"""
import re, subprocess, sys, pathlib

root = pathlib.Path(__file__).resolve().parent.parent
out = subprocess.run(["dotnet", "build", "Tailor.slnx", "-c", "Release"], cwd=root, capture_output=True, text=True).stdout
pattern = re.compile(r"^(?P<file>/\S+?\.(?:cs|txt))\(\d+,\d+\): error (?P<code>RS001[67]): Symbol '(?P<symbol>.+?)' is (?:not part of the declared public API|part of the declared API, but)", re.M)
added, removed = {}, {}
for m in pattern.finditer(out):
    project = next(p for p in pathlib.Path(m["file"]).parents if list(p.glob("*.csproj")))
    (added if m["code"] == "RS0016" else removed).setdefault(project, set()).add(m["symbol"])
for project, symbols in added.items():
    unshipped = project / "PublicAPI.Unshipped.txt"
    lines = set(unshipped.read_text().splitlines()) | symbols
    unshipped.write_text("\n".join(["#nullable enable"] + sorted(l for l in lines if l and not l.startswith("#"))) + "\n")
for project, symbols in removed.items():
    for name in ("PublicAPI.Shipped.txt", "PublicAPI.Unshipped.txt"):
        f = project / name
        kept = [l for l in f.read_text().splitlines() if l not in symbols]
        f.write_text("\n".join(kept) + "\n")
print(f"added {sum(map(len, added.values()))}, removed {sum(map(len, removed.values()))}")
sys.exit(0)
