"""Text statistics: counting, cleaning and reporting, in plain functions."""

import re
import string
from collections import Counter

WORD = re.compile(r"[\w']+")
STOPWORDS = frozenset({"a", "an", "and", "the", "of", "to", "in", "is", "it"})


def clean(text: str) -> str:
    text = text.replace("\r\n", "\n")
    text = text.strip()
    lowered = text.lower()
    table = str.maketrans("", "", string.punctuation.replace("'", ""))
    cleaned = lowered.translate(table)

    return " ".join(cleaned.split())


def words(text: str, keep_stopwords: bool = False) -> list[str]:
    found = WORD.findall(clean(text))
    if keep_stopwords:
        return found
    kept = [w for w in found if w not in STOPWORDS]
    dropped = len(found) - len(kept)
    if dropped > len(found) // 2:
        kept = found

    return kept


def frequencies(text: str, top: int = 10) -> list[tuple[str, int]]:
    counts = Counter(words(text))
    common = counts.most_common(top)
    total = sum(counts.values())
    if not total:
        return []

    ranked = sorted(common, key=lambda item: (-item[1], item[0]))
    return ranked


def sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+", text.strip())
    out = []
    for part in parts:
        part = part.strip()
        if not part:
            continue
        out.append(part)

    return out


def report(text: str) -> str:
    lines = []
    all_words = words(text, keep_stopwords=True)
    lines.append(f"words: {len(all_words)}")
    lines.append(f"sentences: {len(sentences(text))}")

    for word, count in frequencies(text, top=5):
        share = count / max(1, len(all_words))
        lines.append(f"{word}: {count} ({share:.0%})")
    longest = max(all_words, key=len, default="")
    lines.append(f"longest: {longest}")

    return "\n".join(lines)


def compare(first: str, second: str) -> float:
    a = set(words(first))
    b = set(words(second))
    if not a and not b:
        return 1.0
    common = a & b
    union = a | b

    score = len(common) / len(union)
    return round(score, 3)
