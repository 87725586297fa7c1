"""How fast credit portraits compute, and how synthetic enterprises spread over the classes.

    python -m tools.credit_portrait_bench                     100,000 enterprises, seed 1
    python -m tools.credit_portrait_bench --count 10000 --seed 7

Builds the enterprises first (services/credit/synthetic.py, not timed), then times
`compute_portrait` over all of them on one core and prints portraits/s and the distribution
of classes and levels.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

from services.credit.portrait import CLASS_LABELS, CLASS_LEVELS, Portrait, compute_portrait
from services.credit.synthetic import SYNTHETIC_AS_OF, synthetic_enterprises


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    enterprises = list(synthetic_enterprises(args.count, args.seed))
    built = time.perf_counter() - started

    started = time.perf_counter()
    portraits = [compute_portrait(facts, SYNTHETIC_AS_OF) for facts in enterprises]
    elapsed = time.perf_counter() - started

    print(f"{args.count} synthetic enterprises (seed {args.seed}) built in {built:.1f} s")
    print(
        f"compute_portrait: {args.count / elapsed:,.0f} portraits/s "
        f"({elapsed:.2f} s, {elapsed / args.count * 1e6:.1f} µs each, one core)"
    )
    print(distribution(portraits))


def distribution(portraits: list[Portrait]) -> str:
    classes: Counter[str] = Counter(p.credit_class for p in portraits)
    levels = Counter(p.level for p in portraits)
    total = max(len(portraits), 1)
    lines = ["class  share    levels"]
    for credit_class in CLASS_LABELS:
        in_class = [b.level for b in CLASS_LEVELS if b.credit_class == credit_class]
        per_level = "  ".join(f"L{level} {levels[level] / total:6.2%}" for level in in_class)
        lines.append(f"{credit_class}      {classes[credit_class] / total:6.2%}   {per_level}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
