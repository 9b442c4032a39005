"""Benchmark of what uploads cost: the worst photo and workbook accepted, and the bombs refused (issue 20).

    .venv/bin/python benchmarks/uploads.py              # every case, 5 runs each
    .venv/bin/python benchmarks/uploads.py --runs 3 --only png
    .venv/bin/python benchmarks/uploads.py --smoke      # one photo, two bombs, one run: still answered right?

Builds each file once (photos at the limits of ``events.photos``, a roster at the
limits of ``volunteers.roster_import``, and the bombs of tests/upload_bombs.py), then
runs each case in a fresh process: an accepted photo through ``prepare_photo`` (decode,
shrink, re-encode, thumbnail), an accepted workbook through ``read_rows``, a bomb
through the same call until it is refused. Prints the medians of CPU time (all threads)
and of peak memory above the process's own after start-up (VmHWM). Targets: the worst
accepted photo under 1 s and 200 MB; every bomb refused in milliseconds. Every case is
checked for its answer: a file at the limits that is refused, or a bomb that is accepted,
ends the run with exit status 1 after the table.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from memory import peak_rss_mb

BASE_DIR = Path(__file__).resolve().parent.parent
PHOTO_TARGET = (1.0, 200.0)


def configure(folder: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'benchmark.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(folder / "media")
    os.environ["DJANGO_SETTINGS_MODULE"] = "backend.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def scene(width: int, height: int, mode: str = "RGB", grain: float = 0.05):
    """Gradients, shapes and a little grain, scaled up: compresses like a photo, within 5 MB at any size here."""
    from PIL import Image, ImageDraw, ImageFilter

    small = (max(width // 8, 1), max(height // 8, 1))
    base = Image.merge(
        "RGB",
        (
            Image.linear_gradient("L").resize(small),
            Image.linear_gradient("L").rotate(90).resize(small),
            Image.effect_mandelbrot(small, (-2.0, -1.2, 0.8, 1.2), 60),
        ),
    )
    draw = ImageDraw.Draw(base)
    for n in range(12):
        x, y = (n * 37) % small[0], (n * 53) % small[1]
        draw.ellipse((x, y, x + small[0] // 6, y + small[1] // 6), fill=(n * 20, 255 - n * 20, 128))
    base = base.filter(ImageFilter.GaussianBlur(1))
    image = base.resize((width, height), Image.BILINEAR)
    if grain:
        noise = Image.effect_noise((width, height), 6).convert("L")
        image = Image.merge("RGB", [Image.blend(band, noise, grain) for band in image.split()])
    return image.convert(mode)


def encoded(image, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, **options)
    return out.getvalue()


SMOKE_CASES = (
    "jpeg progressive 4200x3150 (13 MP, every coefficient kept)",
    "bomb: png 1x39,999,999 (77 KB)",
    "bomb: workbook of 150,001 strings, stored",
)


def build(folder: Path, only: str | None, names: tuple[str, ...] = ()) -> dict[str, tuple[str, str]]:
    """Each case's file, and what is done with it (``photo``: prepare_photo; ``workbook``: read_rows)."""
    from tests.upload_bombs import png_bomb, workbook_bomb

    makers = {
        # Accepted, at the limits: each is the largest of its kind MAX_DECODE_BYTES lets through.
        "jpeg 7200x4800 (35 MP phone photo, drafted to 1/2)": (
            "photo",
            lambda: encoded(scene(7200, 4800, grain=0.15), format="JPEG", quality=90),
        ),
        "jpeg progressive 4200x3150 (13 MP, every coefficient kept)": (
            "photo",
            lambda: encoded(scene(4200, 3150), format="JPEG", quality=88, progressive=True),
        ),
        "png 5780x5780 (33 MP)": (
            "photo",
            lambda: encoded(scene(5780, 5780, grain=0), format="PNG", compress_level=9),
        ),
        "png RGBA 4090x4090 (16.7 MP, transparency)": (
            "photo",
            lambda: encoded(scene(4090, 4090, "RGBA", grain=0), format="PNG", compress_level=9),
        ),
        "png 1000x20000 (a long screenshot, 1:20)": (
            "photo",
            lambda: encoded(scene(1000, 20000, grain=0), format="PNG", compress_level=9),
        ),
        "webp 3340x2500 (8.4 MP)": ("photo", lambda: encoded(scene(3340, 2500), format="WEBP", quality=90, method=0)),
        "heic 4720x3540 (16.7 MP)": ("photo", lambda: heic(scene(4720, 3540))),
        "roster 4990 rows x 30 columns (150,000 cells and strings)": ("workbook", lambda: full_roster(4990, 30)),
        # Refused.
        "bomb: png 1x39,999,999 (77 KB)": ("photo", lambda: png_bomb()),
        "bomb: png 6000x6000, 1-bit (144 MB to decode)": ("photo", lambda: png_bomb(6000, 6000)),
        "bomb: png RGBA 5780x5780 (33 MP, transparency)": (
            "photo",
            lambda: encoded(scene(5780, 5780, "RGBA", grain=0), format="PNG", compress_level=1),
        ),
        "bomb: jpeg progressive 6000x4000": (
            "photo",
            lambda: encoded(scene(6000, 4000), format="JPEG", quality=60, progressive=True),
        ),
        "bomb: workbook of 2,000,000 shared strings": ("workbook", lambda: workbook_bomb(2_000_000)),
        "bomb: workbook of 150,001 strings, stored": ("workbook", lambda: workbook_bomb(150_001, compress=False)),
    }
    cases = {}
    for name, (kind, make) in makers.items():
        if (only and only not in name) or (names and name not in names):
            continue
        path = folder / f"{len(cases)}.bin"
        started = time.perf_counter()
        path.write_bytes(make())
        print(f"  built {name}: {path.stat().st_size / 1024:,.0f} KB in {time.perf_counter() - started:.1f} s")
        cases[name] = (kind, str(path))
    return cases


def heic(image) -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    return encoded(image, format="HEIF", quality=60, enc_params={"preset": "ultrafast"})


def full_roster(rows: int, columns: int) -> bytes:
    """The template's header and extra columns, every cell a distinct text: the most a roster may hold."""
    from openpyxl import Workbook

    from volunteers.roster_import import COLUMNS

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    header = [str(label) for _name, label in COLUMNS]
    sheet.append(header + [f"备注{n}" for n in range(columns - len(header))])
    for row in range(rows):
        sheet.append([f"{row}-{column}-张三李四王五" for column in range(columns)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run_case(kind: str, path: str) -> dict:
    """In this fresh process: the case's call, its CPU time and its peak memory above start-up."""
    configure(Path(tempfile.mkdtemp()))
    from django.core.files.uploadedfile import SimpleUploadedFile

    from events.photos import PhotoRejected, prepare_photo
    from volunteers.roster_import import RosterError, read_rows

    content = Path(path).read_bytes()
    base = peak_rss_mb()
    before = resource.getrusage(resource.RUSAGE_SELF)
    refused = False
    try:
        if kind == "photo":
            prepare_photo(SimpleUploadedFile("upload", content))
        else:
            read_rows(content)
    except (PhotoRejected, RosterError):
        refused = True
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {"cpu": cpu, "memory": peak_rss_mb() - base, "base": base, "refused": refused}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", help="cases whose name contains this")
    parser.add_argument("--smoke", action="store_true", help="one run of an accepted photo and two bombs")
    parser.add_argument("--case", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.smoke:
        args.runs = 1
    if args.case:
        print(json.dumps(run_case(*args.case)))
        return
    with tempfile.TemporaryDirectory() as folder:
        configure(Path(folder))
        print("Building the files:")
        cases = build(Path(folder), args.only, SMOKE_CASES if args.smoke else ())
        print(f"\nMedians of {args.runs} runs, each in a fresh process (memory: peak above start-up):")
        print(f"{'case':62} {'answer':8} {'CPU':>9} {'memory':>10}")
        wrong = []
        for name, (kind, path) in cases.items():
            results = []
            for _ in range(args.runs):
                out = subprocess.run(
                    [sys.executable, __file__, "--case", kind, path], capture_output=True, text=True, check=True
                )
                results.append(json.loads(out.stdout.strip().splitlines()[-1]))
            cpu = statistics.median(r["cpu"] for r in results)
            memory = statistics.median(r["memory"] for r in results)
            answer = "refused" if results[0]["refused"] else "accepted"
            mark = ""
            if kind == "photo" and answer == "accepted":
                seconds, megabytes = PHOTO_TARGET
                mark = "  ok" if cpu < seconds and memory < megabytes else "  OVER TARGET"
            print(f"{name:62} {answer:8} {cpu * 1000:7.0f} ms {memory:7.1f} MB{mark}")
            if answer != ("refused" if name.startswith("bomb:") else "accepted"):
                wrong.append(f"{name}: {answer}")
    if wrong or not cases:
        raise SystemExit("wrong answers:\n  " + "\n  ".join(wrong) if wrong else "no case ran")
    print("every file answered as it must be: those at the limits accepted, every bomb refused")


if __name__ == "__main__":
    main()
