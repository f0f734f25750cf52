#!/usr/bin/env python3
"""Layering check: imports in src/ only point down.

Layers, top to bottom (lib.rs): capi -> conn -> sql -> pragma -> schema
-> syntax -> storage; `error` and `memory` are leaves any layer may use. A file may
import its own layer and any layer below it, except that capi goes only
through conn. Unit-test files (`tests.rs`) may reach anything.

Known violations being removed are listed in scripts/layers.allow, one
`file -> layer` per line. The check fails on a violation not listed (a new
upward import) and on a listed one that is gone (so the list only
shrinks). Prints `layers: N passed, N failed`.
"""
import os
import re
import sys

ORDER = ["capi", "conn", "sql", "pragma", "schema", "syntax", "storage"]
LEAVES = {"error", "memory"}


def imported_layers(text):
    """Top-level crate modules named by `crate::x` paths and `crate::{..}` groups."""
    text = re.sub(r"//[^\n]*", "", text)
    for m in re.finditer(r"\bcrate::(\w+)", text):
        yield m.group(1)
    for m in re.finditer(r"\bcrate::\{(.*?)\};", text, re.S):
        depth, item = 0, ""
        for ch in m.group(1) + ",":
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            elif ch == "," and depth == 0:
                if item.strip():
                    yield item.strip().split("::")[0]
                item = ""
                continue
            if depth == 0:
                item += ch


def allowed(layer, target):
    if target in LEAVES or target == layer:
        return True
    if layer == "capi":
        return target == "conn"
    return ORDER.index(target) > ORDER.index(layer)


def violations(src):
    found = set()
    for dirpath, _, files in os.walk(src):
        for name in files:
            if not name.endswith(".rs") or name == "tests.rs":
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, src)
            layer = rel.split(os.sep)[0].removesuffix(".rs")
            if layer not in ORDER:
                continue
            with open(path, encoding="utf-8") as f:
                for target in imported_layers(f.read()):
                    if target in ORDER and not allowed(layer, target):
                        found.add(f"{rel} -> {target}")
    return found


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    src = os.path.join(here, "..", "src")
    with open(os.path.join(here, "layers.allow"), encoding="utf-8") as f:
        allow = {l.strip() for l in f if l.strip() and not l.startswith("#")}
    found = violations(src)
    new = sorted(found - allow)
    gone = sorted(allow - found)
    for v in new:
        print(f"layers: import points up or past conn: {v}")
    for v in gone:
        print(f"layers: fixed, remove from scripts/layers.allow: {v}")
    failed = len(new) + len(gone)
    print(f"layers: {0 if failed else 1} passed, {1 if failed else 0} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
