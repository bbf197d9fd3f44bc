#!/usr/bin/env python3
"""Fails when a product that must not link GRDB (luma-studio, lumactl) has, in the dependency
closure of its targets, a target that depends on GRDB. Reads `swift package dump-package`."""
import json, subprocess, sys

GRDB_FREE = ["luma-studio", "lumactl"]
package = json.loads(subprocess.run(["swift", "package", "dump-package"], check=True, capture_output=True, text=True).stdout)
targets = {t["name"]: t for t in package["targets"]}

def deps(target):
    for d in target.get("dependencies", []):
        for kind in ("byName", "target", "product"):
            if kind in d:
                yield kind, d[kind][0], (d[kind][1] if kind == "product" else None)

def closure(name, seen):
    if name in seen or name not in targets:
        return
    seen.add(name)
    for kind, dep, _ in deps(targets[name]):
        if kind != "product":
            closure(dep, seen)

failed = False
for product in package["products"]:
    if product["name"] not in GRDB_FREE:
        continue
    seen = set()
    for t in product["targets"]:
        closure(t, seen)
    grdb = sorted(n for n in seen for kind, dep, pkg in deps(targets[n])
                  if (kind == "product" and dep == "GRDB") or (kind == "byName" and dep == "GRDB"))
    print(f"{product['name']}: {len(seen)} targets in closure; depending on GRDB: {grdb or 'none'}")
    failed |= bool(grdb)
sys.exit(1 if failed else 0)
