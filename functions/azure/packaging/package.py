#!/usr/bin/env python3
"""Build the Azure Functions deployment zip: the aiir-azure binary (Linux x64, executable) at
the root under the name host.json's `customHandler.description.defaultExecutablePath` gives,
host.json, and one folder per function (function.json), as the custom handler conventions
expect. Usage: package.py BINARY APP_DIR OUT_ZIP [MAX_GLIBC]

With MAX_GLIBC (e.g. 2.28) the binary must be an x86-64 ELF that needs no glibc symbol
version newer than that: a newer one would fail to start on an older Functions image."""
import json
import os
import re
import sys
import zipfile

FUNCTIONS = ("alerts", "events", "modelio", "operator")


def glibc_needed(data: bytes) -> tuple:
    """Highest GLIBC_x.y version the binary references (its version-needs strings)."""
    versions = {tuple(int(p) for p in m.group(1).split(b"."))
                for m in re.finditer(rb"GLIBC_(\d+\.\d+(?:\.\d+)?)\x00", data)}
    return max(versions) if versions else ()


def check_binary(data: bytes, max_glibc: str) -> str:
    # ELF magic, 64-bit, little endian, e_machine 62 (x86-64).
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1 or data[18:20] != b"\x3e\x00":
        raise SystemExit("the binary is not a Linux x86-64 ELF executable")
    needed = glibc_needed(data)
    shown = ".".join(map(str, needed)) if needed else "none (static)"
    if max_glibc and needed > tuple(int(p) for p in max_glibc.split(".")):
        raise SystemExit(f"the binary needs glibc {shown}, newer than the {max_glibc} cap")
    return shown


def main() -> int:
    if len(sys.argv) not in (4, 5):
        print(__doc__, file=sys.stderr)
        return 2
    binary, app_dir, out = sys.argv[1:4]
    max_glibc = sys.argv[4] if len(sys.argv) == 5 else ""
    with open(os.path.join(app_dir, "host.json")) as f:
        host = json.load(f)
    exe = host["customHandler"]["description"]["defaultExecutablePath"]
    with open(binary, "rb") as f:
        data = f.read()
    glibc = check_binary(data, max_glibc)
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo(exe)
        info.external_attr = (0o755 | 0o100000) << 16  # regular file, rwxr-xr-x
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, data)
        for root, _, files in sorted(os.walk(app_dir)):
            for name in sorted(files):
                if name.endswith(".md"):
                    continue
                path = os.path.join(root, name)
                z.write(path, os.path.relpath(path, app_dir))
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
    required = {exe, "host.json"} | {f"{f}/function.json" for f in FUNCTIONS}
    missing = required - set(names)
    if missing:
        print(f"package incomplete, missing: {sorted(missing)}", file=sys.stderr)
        return 1
    print(f"Functions zip: {out} ({os.path.getsize(out) / 1e6:.2f} MB; binary {len(data) / 1e6:.2f} MB, "
          f"needs glibc {glibc}): {', '.join(names)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
