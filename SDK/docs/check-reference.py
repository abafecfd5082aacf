#!/usr/bin/env python3
"""Fail when a name declared in an SDK header is missing from its reference page.

For every header SDK/include/eop/<name>.h the page SDK/docs/reference/<name>.h.md
must mention, in backticks:
  - every `#define EOP_...` macro (include guards too),
  - every typedef name (`eop_..._t`, `eop_..._fn`) and every `static inline` function,
  - every struct field and function-pointer slot, inside a section whose heading
    names the struct (its typedef name or its tag).

Usage: python3 check-reference.py [--sdk PATH_TO_SDK]   (default: this file's parent's parent)
Exit 0 when every name is documented, 1 otherwise (each missing name is listed).
Stdlib only.
"""
import argparse
import os
import re
import sys


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def join_continuations(text):
    return re.sub(r"\\\n", " ", text)


def parse_header(path):
    """Return (macros, typedefs, functions, structs{tag: (typedef or None, [fields])})."""
    with open(path, encoding="utf-8") as f:
        text = join_continuations(strip_comments(f.read()))
    macros = sorted(set(re.findall(r"^\s*#\s*define\s+(EOP_\w+)", text, flags=re.M)))
    typedefs = set()
    structs = {}
    tag_to_typedef = {}
    # typedef struct tag tag_t;   (forward typedef)
    for tag, name in re.findall(r"typedef\s+struct\s+(\w+)\s+(\w+)\s*;", text):
        typedefs.add(name)
        tag_to_typedef[tag] = name
    # typedef struct tag { ... } name;   and   struct tag { ... };
    for m in re.finditer(r"(typedef\s+)?struct\s+(\w+)\s*\{", text):
        tag = m.group(2)
        depth, i = 1, m.end()
        while depth and i < len(text):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        body = text[m.end():i - 1]
        name = None
        if m.group(1):
            after = re.match(r"\s*(\w+)\s*;", text[i:])
            if after:
                name = after.group(1)
                typedefs.add(name)
                tag_to_typedef[tag] = name
        fields = []
        for decl in body.split(";"):
            decl = " ".join(decl.split())
            if not decl:
                continue
            slot = re.search(r"\(\s*(?:EOP_ABI\s*)?\*\s*(\w+)\s*\)\s*\(", decl)
            if slot:
                fields.append(slot.group(1))
                continue
            plain = re.search(r"(\w+)\s*(?:\[[^\]]*\])?\s*$", decl)
            if plain:
                fields.append(plain.group(1))
        structs[tag] = (name, fields)
    for tag, (name, fields) in list(structs.items()):
        structs[tag] = (name or tag_to_typedef.get(tag), fields)
    # typedef <type> name;   and function-pointer typedefs: typedef R (EOP_ABI *name)(...);
    for name in re.findall(r"typedef\s+[\w\s\*]+?\b(eop_\w+)\s*;", text):
        typedefs.add(name)
    for name in re.findall(r"typedef[^;]*?\(\s*(?:EOP_ABI\s*)?\*\s*(eop_\w+)\s*\)", text):
        typedefs.add(name)
    functions = sorted(set(re.findall(r"static\s+inline\s+[\w\s\*]+?\b(eop_\w+)\s*\(", text)))
    return macros, sorted(typedefs), functions, structs


def backticked(text):
    """Identifiers that appear inside `code` spans or fenced blocks."""
    names = set()
    for span in re.findall(r"```.*?```|`[^`\n]+`", text, flags=re.S):
        names.update(re.findall(r"[A-Za-z_]\w*", span))
    return names


def sections(text):
    """(heading, body) for every markdown heading."""
    parts = re.split(r"(?m)^(#{1,6} .*)$", text)
    return [(parts[i], parts[i + 1] if i + 1 < len(parts) else "") for i in range(1, len(parts), 2)]


def check(sdk):
    include = os.path.join(sdk, "include", "eop")
    reference = os.path.join(sdk, "docs", "reference")
    if not os.path.isdir(include):
        return [f"no header folder {include}"], 0
    problems, names_checked = [], 0
    headers = sorted(
        os.path.relpath(os.path.join(folder, name), include)
        for folder, _, names in os.walk(include) for name in names if name.endswith(".h"))
    for relative in headers:
        # ext/sql.h is documented in reference/ext-sql.h.md
        header = relative.replace(os.sep, "-")
        page_path = os.path.join(reference, header + ".md")
        macros, typedefs, functions, structs = parse_header(os.path.join(include, relative))
        if not os.path.exists(page_path):
            problems.append(f"{header}: no reference page {page_path}")
            continue
        with open(page_path, encoding="utf-8") as f:
            page = f.read()
        mentioned = backticked(page)
        for kind, names in (("macro", macros), ("type", typedefs), ("function", functions)):
            for name in names:
                names_checked += 1
                if name not in mentioned:
                    problems.append(f"{header}: {kind} {name} is not mentioned in reference/{header}.md")
        for tag, (name, fields) in sorted(structs.items()):
            labels = {tag} | ({name} if name else set())
            owned = [body for heading, body in sections(page) if labels & backticked(heading) or labels & set(re.findall(r"\w+", heading))]
            if not owned:
                problems.append(f"{header}: struct {name or tag} has no section in reference/{header}.md (a heading naming `{name or tag}`)")
                continue
            in_section = set().union(*(backticked(body) for body in owned))
            for field in fields:
                names_checked += 1
                if field not in in_section:
                    problems.append(f"{header}: field {name or tag}.{field} is not mentioned in its section of reference/{header}.md")
    return problems, names_checked


def main():
    default_sdk = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description="Check that SDK/docs/reference covers every name in SDK/include/eop.")
    parser.add_argument("--sdk", default=default_sdk, help="path to the SDK folder (default: %(default)s)")
    args = parser.parse_args()
    problems, count = check(os.path.abspath(args.sdk))
    for p in problems:
        print("missing: " + p, file=sys.stderr)
    if problems:
        print(f"check-reference: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"check-reference: ok, {count} names documented")
    return 0


if __name__ == "__main__":
    sys.exit(main())
