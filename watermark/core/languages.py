"""The language registry: grammars and the node kinds each feature needs.

Adding a language is one `LanguageSpec` entry in `_SPECS` plus its tests.
The symbol tables handed to the C core (flags, kind hashes, name fields) are
derived here from kind *names*, so they survive grammar renumbering.
"""
from __future__ import annotations

import ctypes
import functools
import importlib
from array import array
from dataclasses import dataclass, field

import tree_sitter

from ..backend import BACKEND
from ..backend.contract import (
    WM_F_ASSOC as F_ASSOC,
)
from ..backend.contract import (
    WM_F_ASSOC_OP as F_ASSOC_OP,
)
from ..backend.contract import (
    WM_F_FLAGS_JS as F_FLAGS_JS,
)
from ..backend.contract import (
    WM_F_IDENT as F_IDENT,
)
from ..backend.contract import (
    WM_F_KEY_NAME as F_KEY_NAME,
)
from ..backend.contract import (
    WM_F_KEYED as F_KEYED,
)
from ..backend.contract import (
    WM_F_LIST as F_LIST,
)
from ..backend.contract import (
    WM_F_NAME_FROM_CHILD as F_NAME_FROM_CHILD,
)
from ..backend.contract import (
    WM_F_NUMBER_GO as F_NUMBER_GO,
)
from ..backend.contract import (
    WM_F_NUMBER_JS as F_NUMBER_JS,
)
from ..backend.contract import (
    WM_F_SKIP as F_SKIP,
)
from ..backend.contract import (
    WM_F_STRING_JS as F_STRING_JS,
)
from ..backend.contract import (
    WM_F_TRANSPARENT as F_TRANSPARENT,
)
from ..backend.contract import (
    WM_F_UNIT as F_UNIT,
)
from ..backend.contract import (
    WM_SEED_KIND,
)
from ..errors import GrammarError, UnsupportedLanguageError


@dataclass(frozen=True)
class LanguageSpec:
    """What watermark needs to know about one language's grammar.

    unit_kinds:        named kinds that are units wherever they occur
                       (declarations, statements, specs, fields, cases...)
    list_kinds:        containers whose every named child is a unit
                       (statement lists, field lists, object literals...)
    identifier_kinds:  leaves abstracted by the `renamed` level
    ignored_kinds:     not hashed at all: comments, and empty statements
                       (formatters delete stray `;`)
    format_tokens:     anonymous tokens a formatter adds or drops freely
    transparent_kinds: nodes hashed as their named children only (the
                       anonymous tokens inside them, e.g. parentheses, are
                       dropped): parenthesized expressions, JS parameter lists
    token_normalizers: kind -> flag of the canonical spelling to hash
    name_fields:       unit kind -> field holding its name
    named_by_child:    unit kinds named after their first child unit
    assoc_kinds:       binary operator kind -> its operator field; a chain of
                       one associative operator hashes the same however it
                       is parenthesized (prettier drops such parentheses)
    assoc_operators:   the associative operator tokens
    keyed_kinds:       units whose name field may be a quoted property key,
                       hashed as the key it equals unquoted ('k' as k, '1'
                       as 1; prettier adds and removes those quotes)
    key_name_kind:     the kind such an unquoted key name has
    """

    name: str
    extensions: tuple[str, ...]
    module: str
    unit_kinds: frozenset[str]
    list_kinds: frozenset[str]
    identifier_kinds: frozenset[str]
    ignored_kinds: frozenset[str]
    format_tokens: frozenset[str]
    transparent_kinds: frozenset[str]
    token_normalizers: dict[str, int] = field(default_factory=dict)
    name_fields: dict[str, str] = field(default_factory=dict)
    named_by_child: frozenset[str] = frozenset()
    assoc_kinds: dict[str, str] = field(default_factory=dict)
    assoc_operators: frozenset[str] = frozenset()
    keyed_kinds: frozenset[str] = frozenset()
    key_name_kind: str | None = None


GO_STATEMENTS = frozenset(
    """assignment_statement dec_statement expression_statement inc_statement
    send_statement short_var_declaration break_statement continue_statement
    defer_statement expression_switch_statement
    fallthrough_statement for_statement go_statement goto_statement
    if_statement labeled_statement return_statement select_statement
    type_switch_statement receive_statement""".split()
)
_GO_DECLARATIONS = frozenset(
    """function_declaration method_declaration type_declaration var_declaration
    const_declaration import_declaration type_spec type_alias var_spec
    const_spec import_spec field_declaration method_elem type_elem
    expression_case type_case communication_case default_case""".split()
)
JS_STATEMENTS = frozenset(
    """break_statement continue_statement debugger_statement do_statement
    export_statement expression_statement for_in_statement
    for_statement if_statement import_statement labeled_statement
    return_statement switch_statement throw_statement try_statement
    while_statement with_statement class_declaration function_declaration
    generator_function_declaration lexical_declaration using_declaration
    variable_declaration""".split()
)
_JS_MEMBERS = frozenset(
    """variable_declarator method_definition field_definition
    class_static_block pair switch_case switch_default""".split()
)

_SPECS: dict[str, LanguageSpec] = {
    "go": LanguageSpec(
        name="go",
        extensions=(".go",),
        module="tree_sitter_go",
        unit_kinds=GO_STATEMENTS | _GO_DECLARATIONS,
        list_kinds=frozenset(
            """source_file statement_list field_declaration_list interface_type
            import_spec_list var_spec_list const_declaration type_declaration
            literal_value""".split()
        ),
        identifier_kinds=frozenset(
            "identifier field_identifier type_identifier package_identifier label_name".split()
        ),
        ignored_kinds=frozenset({"comment", "empty_statement"}),
        format_tokens=frozenset({";", ","}),
        transparent_kinds=frozenset({"parenthesized_expression"}),
        token_normalizers={
            "int_literal": F_NUMBER_GO,
            "float_literal": F_NUMBER_GO,
            "imaginary_literal": F_NUMBER_GO,
        },
        name_fields={
            k: "name"
            for k in """function_declaration method_declaration type_spec type_alias
            var_spec const_spec field_declaration method_elem""".split()
        },
        named_by_child=frozenset({"type_declaration", "var_declaration", "const_declaration"}),
    ),
    "javascript": LanguageSpec(
        name="javascript",
        extensions=(".js", ".mjs", ".cjs", ".jsx"),
        module="tree_sitter_javascript",
        unit_kinds=JS_STATEMENTS | _JS_MEMBERS,
        list_kinds=frozenset({"program", "statement_block", "class_body", "object", "switch_body"}),
        identifier_kinds=frozenset(
            """identifier property_identifier shorthand_property_identifier
            shorthand_property_identifier_pattern private_property_identifier
            statement_identifier""".split()
        ),
        ignored_kinds=frozenset({"comment", "html_comment", "empty_statement"}),
        format_tokens=frozenset({";", ","}),
        # `new C` and `new C()` are one thing (prettier adds the parentheses)
        transparent_kinds=frozenset({"parenthesized_expression", "formal_parameters", "arguments"}),
        token_normalizers={"string": F_STRING_JS, "number": F_NUMBER_JS, "regex_flags": F_FLAGS_JS},
        name_fields={
            "function_declaration": "name",
            "generator_function_declaration": "name",
            "class_declaration": "name",
            "method_definition": "name",
            "variable_declarator": "name",
            "field_definition": "property",
            "pair": "key",
        },
        named_by_child=frozenset({"lexical_declaration", "variable_declaration", "export_statement"}),
        assoc_kinds={"binary_expression": "operator"},
        assoc_operators=frozenset({"&&", "||", "??"}),
        keyed_kinds=frozenset({"pair", "method_definition", "field_definition"}),
        key_name_kind="property_identifier",
    ),
}


@dataclass(frozen=True, eq=False)
class Language:
    """A loaded language: its spec, the tree-sitter grammar, symbol tables."""

    spec: LanguageSpec
    ts_language: tree_sitter.Language
    capsule: object  # keeps the TSLanguage* alive
    flags: array  # uint16 per symbol
    kind_hashes: array  # uint64 per symbol
    fields: array  # uint16 per symbol: a unit's name field, an operator field
    kind_names: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def error_kind_hash(self) -> int:
        return ERROR_KIND_HASH

    def ts_language_address(self) -> int:
        """Address of the grammar's TSLanguage, for the C core."""
        get = ctypes.pythonapi.PyCapsule_GetPointer
        get.restype = ctypes.c_void_p
        get.argtypes = [ctypes.py_object, ctypes.c_char_p]
        return int(get(self.capsule, b"tree_sitter.Language"))

    def kind_name(self, symbol: int) -> str:
        if symbol < len(self.kind_names):
            return self.kind_names[symbol]
        return "ERROR"


def kind_hash(name: str, named: bool) -> int:
    """Hash of a node kind: stable across processes and grammar renumbering."""
    return BACKEND.xxh64(name.encode() + (b"\x01" if named else b"\x00"), WM_SEED_KIND)


ERROR_KIND_HASH = kind_hash("ERROR", True)


def languages() -> list[str]:
    """Names of the supported languages."""
    return sorted(_SPECS)


def _unsupported(what: str) -> UnsupportedLanguageError:
    supported = ", ".join(f"{s.name} ({' '.join(s.extensions)})" for s in _SPECS.values())
    return UnsupportedLanguageError(f"{what}; supported: {supported}")


def spec_for(language: str | None, path: str | None) -> LanguageSpec:
    """The spec named by `language`, else the one owning `path`'s extension."""
    if language is not None:
        key = language.lower()
        if key in ("js", "jsx", "mjs", "cjs"):
            key = "javascript"
        if key in ("golang",):
            key = "go"
        if key not in _SPECS:
            raise _unsupported(f"unsupported language {language!r}")
        return _SPECS[key]
    if path is None:
        raise _unsupported("no language given and no path to infer it from")
    name = language_of(path)
    if name is None:
        raise _unsupported(f"cannot tell the language of {str(path)!r} from its extension")
    return _SPECS[name]


def language_of(path: str | None) -> str | None:
    """The language `path`'s extension names, or None."""
    if path is None:
        return None
    lower = str(path).lower()
    return next((spec.name for spec in _SPECS.values() if lower.endswith(spec.extensions)), None)


@functools.cache
def load(name: str) -> Language:
    """Load a language's grammar and build its symbol tables (cached)."""
    spec = _SPECS[name]
    try:
        module = importlib.import_module(spec.module)
        capsule = module.language()
        ts_language = tree_sitter.Language(capsule)
    except (ImportError, ValueError) as exc:
        raise GrammarError(
            f"cannot load the {name} grammar from {spec.module}: {exc}; "
            f"reinstall watermark's dependencies (pip install watermark)"
        ) from exc
    abi = ts_language.abi_version
    if not tree_sitter.MIN_COMPATIBLE_LANGUAGE_VERSION <= abi <= tree_sitter.LANGUAGE_VERSION:
        raise GrammarError(
            f"the {name} grammar has ABI {abi}, this tree-sitter supports "
            f"{tree_sitter.MIN_COMPATIBLE_LANGUAGE_VERSION}..{tree_sitter.LANGUAGE_VERSION}"
        )
    n = ts_language.node_kind_count
    names = tuple(ts_language.node_kind_for_id(i) or "" for i in range(n))
    named = [ts_language.node_kind_is_named(i) for i in range(n)]
    flags = array("H", [0]) * n
    hashes = array("Q", [0]) * n
    fields = array("H", [0]) * n
    field_ids = {}
    for kind, field_name in (spec.name_fields | spec.assoc_kinds).items():
        fid = ts_language.field_id_for_name(field_name)
        if fid is None:
            raise GrammarError(f"{name} grammar has no field {field_name!r}")
        field_ids[kind] = fid
    normalizers = spec.token_normalizers
    for i, (kind, is_named) in enumerate(zip(names, named)):
        hashes[i] = kind_hash(kind, is_named)
        f = 0
        if is_named:
            for kinds, flag in ((spec.unit_kinds, F_UNIT), (spec.list_kinds, F_LIST),
                                (spec.identifier_kinds, F_IDENT), (spec.ignored_kinds, F_SKIP),
                                (spec.transparent_kinds, F_TRANSPARENT),
                                (spec.named_by_child, F_NAME_FROM_CHILD),
                                (spec.assoc_kinds, F_ASSOC), (spec.keyed_kinds, F_KEYED),
                                ({spec.key_name_kind}, F_KEY_NAME)):
                if kind in kinds:
                    f |= flag
            f |= normalizers.get(kind, 0)
            fields[i] = field_ids.get(kind, 0)
        elif kind in spec.format_tokens:
            f |= F_SKIP
        elif kind in spec.assoc_operators:
            f |= F_ASSOC_OP
        flags[i] = f
    return Language(spec, ts_language, capsule, flags, hashes, fields, names)


def check_spec_kinds(lang: Language) -> list[str]:
    """Kind names in the spec that the grammar does not know (for tests)."""
    spec = lang.spec
    known = set(lang.kind_names)
    wanted = (
        spec.unit_kinds | spec.list_kinds | spec.identifier_kinds | spec.ignored_kinds
        | spec.transparent_kinds | set(spec.token_normalizers) | set(spec.name_fields)
        | spec.named_by_child | spec.format_tokens | set(spec.assoc_kinds)
        | spec.assoc_operators | spec.keyed_kinds | ({spec.key_name_kind} if spec.key_name_kind else set())
    )
    return sorted(k for k in wanted if k not in known)
