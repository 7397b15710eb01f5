"""Fetch the pinned YASGUI build (@zazuko/yasgui from the npm registry, through npm itself) into this folder.

The endpoint's query page (graph/endpoint_yasgui.py) serves yasgui.min.js and yasgui.min.css from this folder:
they are committed, so `serve` works on a machine without npm and offline. This script is only for updating them:

    python graph/serve/static/fetch_yasgui.py            # needs npm and the registry; checks the pinned integrity

It runs `npm pack` for the pinned version, checks the tarball against the registry's pinned sha512 integrity,
extracts the two files and writes yasgui.json (version, integrity, sha256 of each file, licence). To move to a new
version, change VERSION and INTEGRITY (`npm view @zazuko/yasgui@X dist.integrity`) and run it again.
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "@zazuko/yasgui"
VERSION = "4.6.2"
INTEGRITY = "sha512-Zw45KdPoAE1KRaAoxIHdQqeJxvaVG1oQdntw0hy0ktX35Zu8ZccuOLrXCLwR+GU+0xMzLw8Mjw6BkSZV2vUuQw=="
FILES = ("yasgui.min.js", "yasgui.min.css")
HERE = Path(__file__).resolve().parent


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        run = subprocess.run(["npm", "pack", f"{PACKAGE}@{VERSION}", "--pack-destination", tmp, "--silent"],
                             capture_output=True, text=True, timeout=300)
        if run.returncode != 0:
            print(f"npm pack failed: {run.stderr.strip()}", file=sys.stderr)
            return 1
        tarball = Path(tmp) / run.stdout.strip().splitlines()[-1]
        data = tarball.read_bytes()
        integrity = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
        if integrity != INTEGRITY:
            print(f"{tarball.name}: integrity {integrity} is not the pinned {INTEGRITY}", file=sys.stderr)
            return 1
        with tarfile.open(tarball) as archive:
            manifest = json.load(archive.extractfile("package/package.json"))
            digests = {}
            for name in FILES:
                content = archive.extractfile(f"package/build/{name}").read()
                (HERE / name).write_bytes(content)
                digests[name] = hashlib.sha256(content).hexdigest()
    record = {"package": PACKAGE, "version": VERSION, "integrity": INTEGRITY, "license": manifest.get("license"),
              "author": manifest.get("author"), "homepage": manifest.get("homepage"), "sha256": digests}
    (HERE / "yasgui.json").write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{PACKAGE} {VERSION}: {', '.join(FILES)} written to {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
