"""The languages watermark reads and marks: one module each, one `Language`
value each (base.py says what it holds). Adding a language is its module
here, its grammar pinned in pyproject.toml, and its line in LANGUAGES; the
shared conformance suite (tests/conformance/) runs every test on it.

    from watermark import languages
    languages.names()                   # ['go', 'javascript', 'python', 'tsx', 'typescript']
    languages.get("js")                 # a name or an alias
    languages.for_path("web/cart.js")   # by extension, or None
"""
from __future__ import annotations

from ..errors import UnsupportedLanguageError
from .base import Language
from .go import GO
from .javascript import JAVASCRIPT
from .python import PYTHON
from .typescript import TSX, TYPESCRIPT

LANGUAGES: tuple[Language, ...] = (GO, JAVASCRIPT, TYPESCRIPT, TSX, PYTHON)
# the languages whose densities every release digest names, whether the tree
# holds their files or not (watermark 0.1.0 named them so, and its releases
# must stay the same releases); others' only when it does
DIGEST_LANGUAGES = ("go", "javascript")
_BY_NAME = {lang.name: lang for lang in LANGUAGES} | {alias: lang for lang in LANGUAGES for alias in lang.aliases}


def names() -> list[str]:
    """The names of the supported languages."""
    return sorted(lang.name for lang in LANGUAGES)


def all() -> tuple[Language, ...]:  # noqa: A001 - the registry's own namespace
    return LANGUAGES


def _unsupported(what: str) -> UnsupportedLanguageError:
    supported = ", ".join(f"{lang.name} ({' '.join(lang.extensions)})" for lang in LANGUAGES)
    return UnsupportedLanguageError(f"{what}; supported: {supported}")


def get(name: str | Language) -> Language:
    """The language of that name (or alias); UnsupportedLanguageError else."""
    if isinstance(name, Language):
        return name
    got = _BY_NAME.get(str(name).lower())
    if got is None:
        raise _unsupported(f"unsupported language {name!r}")
    return got


def for_path(path: str | None) -> Language | None:
    """The language `path`'s extension names, or None."""
    if path is None:
        return None
    return next((lang for lang in LANGUAGES if lang.owns(str(path))), None)


def resolve(language: str | Language | None, path: str | None) -> Language:
    """`language` when given, else the one owning `path`'s extension;
    UnsupportedLanguageError when neither says."""
    if language is not None:
        return get(language)
    if path is None:
        raise _unsupported("no language given and no path to infer it from")
    got = for_path(path)
    if got is None:
        raise _unsupported(f"cannot tell the language of {str(path)!r} from its extension")
    return got


def default_excludes() -> tuple[str, ...]:
    """What every language's releases ship but would not mark."""
    return tuple(dict.fromkeys(p for lang in LANGUAGES for p in lang.default_excludes))


__all__ = ["DIGEST_LANGUAGES", "LANGUAGES", "Language", "default_excludes", "for_path", "get", "names", "resolve"]
