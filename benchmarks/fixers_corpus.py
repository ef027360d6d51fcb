"""The fixers on their corpus of cases written after real repositories: correct / refused / wrong per fixer.

    .venv/bin/python benchmarks/fixers_corpus.py [--fixer NAME] [--verbose]

Each case (tests/fixer_corpus) runs its fixer on a fresh git checkout, offline (action versions from the
shipped table, a local wheelhouse as the package index, the formatter versions installed here). Verdicts:
- correct: the expected diff exactly, or the expected refusal where refusing is the only right answer;
- refused: a refusal where a fix exists (safe, but a miss: a lock the agent cannot regenerate, an action the
  shipped table does not know, ...), whether the case expects it or not;
- wrong: any other plan, or a plan where only a refusal is right.
"Fixed where a fix exists" = correct / (cases where a human would change something).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fixer_corpus import build_wheelhouse, run_case  # noqa: E402
from fixer_corpus.all import CASES  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fixer", help="only this fixer's cases")
    parser.add_argument("--verbose", action="store_true", help="print every case's verdict and detail")
    args = parser.parse_args()
    cases = [c for c in CASES if not args.fixer or c.fixer == args.fixer]
    totals: dict[str, Counter[str]] = {}
    with tempfile.TemporaryDirectory(prefix="fixers-corpus-") as scratch:
        index = build_wheelhouse(Path(scratch) / "wheelhouse")
        for number, case in enumerate(cases):
            outcome = run_case(case, Path(scratch) / str(number), index)
            verdict = outcome.verdict
            if verdict == "refused" and case.refusal and not case.fix_exists:
                verdict = "correct"  # refusing is the only right answer here
            row = totals.setdefault(case.fixer, Counter())
            row[verdict] += 1
            row["cases"] += 1
            if case.fix_exists:
                row["fixable"] += 1
                row["fixed"] += verdict == "correct"
            if args.verbose or verdict == "wrong":
                print(f"{case.fixer:20} {case.id:50} {verdict}: {outcome.detail.splitlines()[0][:160]}")
    print(f"{'fixer':20} {'cases':>5} {'correct':>7} {'refused':>7} {'wrong':>5} {'fixed where a fix exists':>26}")
    grand: Counter[str] = Counter()
    for fixer, row in sorted(totals.items()):
        grand.update(row)
        print(_line(fixer, row))
    print(_line("all", grand))
    return 1 if grand["wrong"] else 0


def _line(name: str, row: Counter[str]) -> str:
    share = f"{row['fixed']}/{row['fixable']} ({100 * row['fixed'] / row['fixable']:.0f}%)" if row["fixable"] else "-"
    return f"{name:20} {row['cases']:>5} {row['correct']:>7} {row['refused']:>7} {row['wrong']:>5} {share:>26}"


if __name__ == "__main__":
    sys.exit(main())
