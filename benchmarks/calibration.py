"""Calibration of the false-accusation bound on real files.

Leaks are real corpus files marked for one recipient: single files, files
the corpus ships under several paths, and groups of files from one directory
(repeated code repeats carrier identities across files). Every leak is scored against innocent recipients;
for a valid bound, the fraction of innocent trials with bound <= x must stay
<= x for every x. Bounds are two-sided (agreement or disagreement beyond
chance); the same leaks with every bit complemented (what a keyless leaker
gets by toggling every eligible boundary) are scored too, so both tails are
exercised. The same trials are also scored without deduplicating repeated
identities, to show why the scorer counts each identity once.

Phantom recipients (core/collusion.py) are calibrated the same way: for each
leak, every pair of 40 innocents and the guilty recipient is scored as the
phantom s_a XOR s_b (each pair test's two-sided bound, before correction);
and the decoder is run on the leak as it is and on the XOR of the guilty
recipient's and another recipient's codewords (a two-colluder XOR merge):
it must split the phantom into exactly the recipients who made it, never
into a set with an innocent. Leaks too small to solve go to the codeword
sets instead (sizes 2 and 3, on at least 40 independent carriers; every
match counted, whatever its bound).

Per language (--languages, default all four corpora; --leaks is split
evenly among them) and over all of them: the fractions, and how many
innocent trials reach a bound of 1e-9 (the goal: none) and the smallest
innocent bound.

    python3 benchmarks/calibration.py [--leaks 500] [--innocents 200]
        [--languages go,javascript,typescript,python] [--json]
"""
from __future__ import annotations

import math
import random
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _corpora  # noqa: E402

import watermark  # noqa: E402
from watermark.core import codes as _codes  # noqa: E402
from watermark.core import collusion as _collusion  # noqa: E402

KEY = watermark.Key(bytes(range(50, 82)))
LEVELS = (1e-1, 1e-2, 1e-3, 1e-4)  # 100,000 trials resolve x down to 1e-4 (>= 10 expected)


def leaks(count: int, rng: random.Random, languages: tuple[str, ...] | list[str] = ("go", "javascript")
          ) -> list[tuple[str, str, watermark.Observations]]:
    """(language, guilty recipient, observations) of `count` leaks from each
    corpus: single files; files the corpus ships more than once (same
    content, several paths); groups of 2-6 files from one directory."""
    out = []
    for language in languages:
        files = [(p, d) for p, d in _corpora.load(language) if d.count(b"\n") >= 50]
        by_dir = defaultdict(list)
        for p, d in files:
            by_dir[str(Path(p).parent)].append((p, d))
        dirs = [d for d, fs in by_dir.items() if len(fs) >= 2]
        by_content = defaultdict(list)
        for p, d in files:
            by_content[d].append((p, d))
        copies = [fs for fs in by_content.values() if len(fs) >= 2]  # files shipped twice
        for k in range(count):
            if k % 3 == 0:
                group = [rng.choice(files)]
            elif k % 3 == 1 and copies:
                group = rng.choice(copies)
            else:
                members = by_dir[rng.choice(dirs)]
                group = rng.sample(members, min(len(members), rng.randint(2, 6)))
            obs = watermark.Observations()
            guilty = f"guilty-{rng.randrange(10**6)}"
            for _path, data in group:
                marked = watermark.embed(data, KEY, guilty, language=language)
                obs = obs + watermark.extract(marked.source, KEY, language=language)
            out.append((language, guilty, obs))
    return out


SCORERS = ("unbiased", "unbiased, leak complemented", "tardos", "tardos, leak complemented", "unbiased, no dedup")
ALARM = -9  # the goal: no innocent trial at a bound of 1e-9 or below


def _table(results: dict[str, list[float]], pair_bounds: list[float]) -> dict:
    table = {}
    for name, bounds in [*results.items(), ("unbiased phantom pairs, per pair test", pair_bounds)]:
        n = len(bounds)
        table[name] = {"trials": n, **{f"{x:g}": sum(b <= math.log10(x) for b in bounds) / max(1, n)
                                       for x in LEVELS},
                       "at 1e-9": sum(b <= ALARM for b in bounds), "smallest log10 bound": min(bounds, default=0.0)}
    return table


def run(args) -> dict:
    rng = random.Random(5)
    languages = list(getattr(args, "languages", ["go", "javascript"]))
    per = {lang: {"results": {name: [] for name in SCORERS}, "pairs": [], "leaks": 0, "observations": 0,
                  "repeated": 0} for lang in languages}
    results: dict[str, list[float]] = {name: [] for name in SCORERS}
    carriers = repeated = 0
    pair_bounds: list[float] = []
    decoded = {"leaks decoded": 0, "xor leaks": 0, "xor leaks split into their makers": 0,
               "small leaks searched": 0, "small xor leaks": 0, "small xor leaks split into their makers": 0,
               "sets with an innocent": 0}
    for language, guilty, obs in leaks(args.leaks // len(languages), rng, languages):
        mine = per[language]
        before_pairs, before = len(pair_bounds), {name: len(v) for name, v in results.items()}
        _phantoms(guilty, obs, rng, pair_bounds, decoded)
        turned = watermark.Observations(obs.identities, bytes(1 - b for b in obs.bits))
        ids, bits = obs.distinct()
        carriers += len(obs)
        repeated += len(obs) - len(ids)
        for i in range(args.innocents):
            name = f"innocent-{rng.randrange(10**12)}"
            results["unbiased"].append(watermark.verify(obs, KEY, name).log10_bound)
            results["unbiased, leak complemented"].append(watermark.verify(turned, KEY, name).log10_bound)
            if i % 4 == 0:  # the Tardos biases cost a PRF each: a quarter of the trials
                results["tardos"].append(watermark.verify(obs, KEY, name, code="tardos").log10_bound)
                results["tardos, leak complemented"].append(
                    watermark.verify(turned, KEY, name, code="tardos").log10_bound)
            raw = _codes.score(KEY, name, obs.identities, bytes(obs.bits), _codes.DEFAULT_CODE)
            results["unbiased, no dedup"].append(raw.log10_bound)
        mine["leaks"] += 1
        mine["observations"] += len(obs)
        mine["repeated"] += len(obs) - len(ids)
        mine["pairs"] += pair_bounds[before_pairs:]
        for name, bounds in results.items():
            mine["results"][name] += bounds[before[name]:]
    return {"leaks": sum(p["leaks"] for p in per.values()), "languages": languages, "observations": carriers,
            "repeated identities": repeated, "fraction of trials with bound <= x": _table(results, pair_bounds),
            "decoder": decoded,
            "per language": {lang: {"leaks": p["leaks"], "observations": p["observations"],
                                    "repeated identities": p["repeated"],
                                    "fraction of trials with bound <= x": _table(p["results"], p["pairs"])}
                             for lang, p in per.items()}}


def _phantoms(guilty: str, obs: watermark.Observations, rng: random.Random, pair_bounds: list[float],
              decoded: dict[str, int]) -> None:
    """Pair tests and the decoder on one leak (see the module docstring)."""
    ids, bits = obs.distinct()
    if not len(ids):
        return
    names = [guilty] + [f"innocent-{rng.randrange(10**12)}" for _ in range(40)]
    w = _codes.DEFAULT_CODE.words  # the current scheme's vectors
    vectors = [_codes.recipient_vector(KEY, r, w) for r in names]
    h = _codes.carrier_vectors(KEY, ids, w)
    pv, _pairs = _collusion.pair_vectors(vectors)
    n = len(ids)
    pair_bounds.extend(_codes.two_sided_binomial_log10(n, m)
                       for m in _collusion.matches(h, bits, _codes.vector_array(pv, w), w))
    xor = bytes(a ^ b for a, b in zip(bits, _codes.linear_bits(h, vectors[1], w)))  # names[1] colludes
    if n < _collusion.sample_size(w):  # too small to solve: codeword sets (sizes 2 and 3)
        basis = _collusion.independent_carriers(h, w)
        if len(basis) < 40:  # (2 C(41, 3) 2^-rank: spurious sets expected, and bounds above 1e-7)
            return
        for leak, makers in ((bits, None), (xor, (0, 1))):
            sets = [c.members for c in _collusion.codeword_sets(h, leak, vectors, w, basis, [2, 3])]
            decoded["small leaks searched"] += 1
            if makers is not None:
                decoded["small xor leaks"] += 1
                decoded["small xor leaks split into their makers"] += sets == [makers]
            decoded["sets with an innocent"] += sum(1 for s in sets if s != makers)
        return
    for leak, makers in ((bits, None), (xor, (0, 1))):
        phantom = _collusion.solve(h, leak, w)
        if phantom is None or phantom.matches < 0.75 * n:
            continue
        decoded["leaks decoded"] += 1
        sets = list(_collusion.decompose(phantom.vector, vectors, w))
        if makers is not None:
            decoded["xor leaks"] += 1
            decoded["xor leaks split into their makers"] += sets == [makers]
        decoded["sets with an innocent"] += sum(1 for s in sets if s != makers)


def render(report: dict) -> None:
    print(f"{report['leaks']} leaks ({', '.join(report['languages'])}), {report['observations']:,} observations, "
          f"{report['repeated identities']:,} of them repeated identities")
    print("| corpus | scorer | innocent trials | " + " | ".join(f"bound ≤ {x:g}" for x in LEVELS)
          + " | trials ≤ 1e-9 | smallest bound |")
    print("|---|---|---:|" + "---:|" * len(LEVELS) + "---:|---:|")
    for corpus, part in [*report["per language"].items(), ("all", report)]:
        for name, row in part["fraction of trials with bound <= x"].items():
            print(f"| {corpus} | {name} | {row['trials']:,} | " + " | ".join(f"{row[f'{x:g}']:.5f}" for x in LEVELS)
                  + f" | {row['at 1e-9']} | 1e{row['smallest log10 bound']:.1f} |")
    print()
    for corpus, part in report["per language"].items():
        print(f"{corpus}: {part['leaks']} leaks, {part['observations']:,} observations, "
              f"{part['repeated identities']:,} of them repeated identities")
    print()
    print("decoder: " + ", ".join(f"{k} {v:,}" for k, v in report["decoder"].items()))


if __name__ == "__main__":
    _corpora.main(__doc__, {"leaks": 500, "innocents": 200}, run, render, with_languages=True)
