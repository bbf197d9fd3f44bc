#!/usr/bin/env python3
"""Fails listing every `import X` in a target's sources where X is a module of this package (a
target) or a product the package uses, and X is not among that target's dependencies in
Package.swift (Swift finds transitively built modules silently). Reads `swift package
dump-package`. Limit: a product no target names anywhere is not known as a module."""
import json, os, re, subprocess, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
package = json.loads(subprocess.run(["swift", "package", "dump-package"], cwd=root, check=True,
                                    capture_output=True, text=True).stdout)
targets = {t["name"]: t for t in package["targets"]}

def declared(target):
    names = set()
    for d in target.get("dependencies", []):
        for kind in ("byName", "target", "product"):
            if kind in d:
                names.add(d[kind][0])
    return names

known = set(targets) | {n for t in targets.values() for n in declared(t)}
pattern = re.compile(r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*import\s+(?:(?:struct|class|enum|protocol|func|var|let|typealias)\s+)?(\w+)", re.M)

problems = []
for name, target in sorted(targets.items()):
    path = target.get("path") or os.path.join("Tests" if target["type"] == "test" else "Sources", name)
    have = declared(target) | {name}
    for directory, _, files in os.walk(os.path.join(root, path)):
        for file in files:
            if not file.endswith(".swift"):
                continue
            with open(os.path.join(directory, file), encoding="utf-8") as handle:
                text = handle.read()
            for module in sorted(set(pattern.findall(text))):
                if module in known and module not in have:
                    problems.append(f"{name}: {os.path.relpath(os.path.join(directory, file), root)} imports {module}, not in its dependencies")
for line in problems:
    print(line)
if problems:
    print(f"{len(problems)} undeclared imports; add them to the targets' dependencies in Package.swift", file=sys.stderr)
    sys.exit(1)
print(f"imports: every import of a package module or product is declared ({len(targets)} targets)")
