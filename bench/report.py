"""``python -m bench.report``: write the benchmark table of docs/benchmarks.md from bench/results/latest.json.

The table between the markers is generated, never typed: every figure in it is a record of the last
``make bench`` (a unit test fails when the page and the JSON disagree).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "latest.json"
PAGE = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench:table:start -->", "<!-- bench:table:end -->"


def _seconds(s: float) -> str:
    if s >= 10:
        return f"{s:.1f} s"
    if s >= 1:
        return f"{s:.2f} s"
    return f"{s * 1000:.1f} ms" if s >= 0.001 else f"{s * 1000:.2f} ms"


def table(results: dict) -> str:
    """The markdown table of every record of a ``make bench`` run, in run order.

    Parameters
    ----------
    results
        The parsed ``latest.json``.
    """
    rows = [f"Run of {results['created'][:16].replace('T', ' ')} UTC, {results['machine']}, Python "
            f"{results['python']}; ratio = peer time / ours (below 1: the peer is faster; for a goal, goal / ours).",
            "", "| benchmark | ours | peer or goal | ratio | what was compared |", "|---|---|---|---|---|"]
    for r in results["records"]:
        ratio = f"{r['ratio']:.2f}x" if r["ratio"] is not None else "–"
        notes = (r["notes"] or "").replace("|", "/")
        ours = "–" if r["name"].startswith("scale: dashboard bytes") else _seconds(r["ours_s"])
        rows.append(f"| {r['name']} | {ours} | {r['peer']} | {ratio} | {notes} |")
    return "\n".join(rows)


def page_with_table(page: str, results: dict) -> str:
    """``page`` with the generated table between its markers.

    Parameters
    ----------
    page
        The text of docs/benchmarks.md.
    results
        The parsed ``latest.json``.
    """
    head, rest = page.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table(results)}\n{END}{tail}"


def main() -> int:
    results = json.loads(RESULTS.read_text())
    PAGE.write_text(page_with_table(PAGE.read_text(), results))
    sys.stdout.write(f"{PAGE}: table of {len(results['records'])} records written from {RESULTS}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
