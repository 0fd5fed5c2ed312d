#!/usr/bin/env python3
"""Build the Azure Functions deployment zip: the aiir-azure binary (Linux x64, executable) at
the root, host.json, and one folder per function (function.json), as the custom handler
conventions expect. Usage: package.py BINARY APP_DIR OUT_ZIP"""
import os
import sys
import zipfile


def main() -> int:
    binary, app_dir, out = sys.argv[1:4]
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("aiir-azure")
        info.external_attr = (0o755 | 0o100000) << 16  # regular file, rwxr-xr-x
        info.compress_type = zipfile.ZIP_DEFLATED
        with open(binary, "rb") as f:
            z.writestr(info, f.read())
        for root, _, files in sorted(os.walk(app_dir)):
            for name in sorted(files):
                if name.endswith(".md"):
                    continue
                path = os.path.join(root, name)
                z.write(path, os.path.relpath(path, app_dir))
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
    required = {"aiir-azure", "host.json", "alerts/function.json", "events/function.json",
                "modelio/function.json", "operator/function.json"}
    missing = required - set(names)
    if missing:
        print(f"package incomplete, missing: {sorted(missing)}", file=sys.stderr)
        return 1
    print(f"Functions zip: {out} ({os.path.getsize(out) / 1e6:.2f} MB): {', '.join(names)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
