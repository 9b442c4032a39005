"""The ledger PDF draws no text over other text (issue 21 item 14: the 活动列表 headings ran into
each other, and the hours page's longest labels into their values)."""

import re
import subprocess

from reports.ledgers.contents import Period, build_ledger
from reports.ledgers.files import write_pdf
from tests.events.conftest import DAY
from tests.reports.test_ledgers import after_the_events, media_and_tasks, station_month  # noqa: F401


def overlapping_words(pdf: bytes) -> list[tuple[int, str, str]]:
    """Pairs of words whose boxes overlap, by page (pdftotext -bbox gives each word's box)."""
    out = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    found = []
    box = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
    for number, page in enumerate(out.split("<page ")[1:], start=1):
        words = [(*map(float, match[:4]), match[4]) for match in re.findall(box, page)]
        for index, (x0, y0, x1, y1, word) in enumerate(words):
            for u0, v0, u1, v1, other in words[index + 1 :]:
                if x0 < u1 - 0.5 and u0 < x1 - 0.5 and y0 < v1 - 0.5 and v0 < y1 - 0.5:
                    found.append((number, word, other))
    return found


def test_no_text_of_the_ledger_runs_into_other_text(tree, station_month, tmp_path):  # noqa: F811
    target = tmp_path / "ledger.pdf"
    write_pdf(build_ledger(tree["S1"], Period("month", DAY.year, DAY.month)), target)
    pdf = target.read_bytes()
    assert "已审核服务时长" in subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True).stdout.decode()
    assert overlapping_words(pdf) == []
