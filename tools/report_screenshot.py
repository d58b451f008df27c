"""Screenshots of the plan-2025 report in Chinese and English for the docs.

Runs ``portsim run scenarios/plan-2025.yaml --report --lang LANG`` into a temporary
folder and lets headless Chromium (Debian's ``chromium``) photograph the top of the
page into ``docs/report-screenshot-LANG.png``::

    python tools/report_screenshot.py            # zh and en
    python tools/report_screenshot.py zh -n 2    # Chinese only, 2 replications
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def shoot(lang: str, replications: int, height: int) -> Path:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("chromium not found: apt-get install -y chromium")
    target = ROOT / "docs" / f"report-screenshot-{lang}.png"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        subprocess.run([str(BIN / "portsim"), "run", str(ROOT / "scenarios" / "plan-2025.yaml"),
                        "-n", str(replications), "-q", "--report", "--lang", lang,
                        "-o", str(out)], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                        "--hide-scrollbars", f"--window-size=1280,{height}",
                        "--virtual-time-budget=5000", f"--screenshot={target}",
                        (out / "report.html").as_uri()], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return target


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("langs", nargs="*", metavar="{zh,en}",
                   help="languages to photograph (default: zh and en)")
    p.add_argument("-n", "--replications", type=int, default=5)
    p.add_argument("--height", type=int, default=1600, help="pixels of the page shown")
    args = p.parse_args()
    unknown = sorted(set(args.langs) - {"zh", "en"})
    if unknown:
        p.error(f"unknown language(s) {', '.join(unknown)}: choose zh or en")
    for lang in args.langs or ["zh", "en"]:
        print(shoot(lang, args.replications, args.height))


if __name__ == "__main__":
    main()
