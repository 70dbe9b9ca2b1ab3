"""`watermark diff` on real version pairs (benchmarks/real_pairs/): every
change the hand-checked truth lists is reported, and nothing else."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from corpus import corpus_root

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import real_pairs  # noqa: E402

PAIRS = real_pairs.pairs()


@pytest.mark.corpus
@pytest.mark.parametrize("pair", PAIRS, ids=[p.name for p in PAIRS])
def test_a_real_version_pair_is_reported_as_it_is(pair):
    corpus_root("WATERMARK_CORPORA")
    if not (pair.side("base").is_dir() and pair.side("suspect").is_dir()):
        if os.environ.get("CI"):
            pytest.fail(f"{pair.name} is not fetched: scripts/corpora.sh fetches the real pairs")
        pytest.skip(f"{pair.name} not fetched: python3 benchmarks/real_pairs.py fetch")
    score, _d = real_pairs.score(pair, jobs=2)
    assert not score.false and not score.misses, "\n".join(
        [f"false: {x}" for x in score.false] + [f"miss: {x}" for x in score.misses])
    assert score.true and score.reported == score.true
