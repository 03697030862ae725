#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""usage: file_loops.py NM MODULE...

Files inside a module depend one way (#18): for each MODULE (a static library, or a
directory of object files), which object calls or reads a symbol another defines, and
fail on any cycle, naming the files and the symbols that close it. A module with fewer
than two objects, or an nm that lists nothing, fails too: this check must not pass empty.
"""
import collections
import glob
import os
import subprocess
import sys


def objects(nm, module):
    """{object name: (defined symbols, undefined symbols)} of one module."""
    paths = sorted(glob.glob(os.path.join(module, "*.o"))) if os.path.isdir(module) else [module]
    objs = collections.defaultdict(lambda: (set(), set()))
    for path in paths:
        out = subprocess.run([nm, "-A", path], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            # "[archive:]object:value type name", value blank for undefined symbols
            head, _, rest = line.rpartition(".o:")
            if not head:
                continue
            obj = os.path.basename(head.split(":")[-1]) + ".o"
            parts = rest.split()
            if len(parts) == 3 and parts[1] in "TDBRC":
                objs[obj][0].add(parts[2])
            elif len(parts) == 2 and parts[0] == "U":
                objs[obj][1].add(parts[1])
    return objs


def cycles(edges):
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in list(edges):
        if v not in index:
            visit(v)
    return found


def main():
    nm, modules = sys.argv[1], sys.argv[2:]
    bad = 0
    for module in modules:
        objs = objects(nm, module)
        if len(objs) < 2 or not any(d for d, _ in objs.values()):
            print("FAIL: %s: %d object(s) with symbols: nothing to check" % (module, len(objs)))
            bad += 1
            continue
        owner = {s: o for o, (defs, _) in objs.items() for s in defs}
        edges = collections.defaultdict(set)
        why = collections.defaultdict(set)
        for o, (_, undefs) in objs.items():
            edges[o]
            for s in undefs:
                if s in owner and owner[s] != o:
                    edges[o].add(owner[s])
                    why[(o, owner[s])].add(s)
        loops = cycles(edges)
        for comp in loops:
            bad += 1
            print("FAIL: %s: files depend on each other: %s" % (module, ", ".join(comp)))
            for a in comp:
                for b in comp:
                    if why.get((a, b)):
                        print("  %s -> %s: %s" % (a, b, ", ".join(sorted(why[(a, b)]))))
        if not loops:
            print("ok: %s: %d files, one way" % (os.path.basename(module), len(objs)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
