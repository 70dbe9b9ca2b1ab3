"""The `watermark` command line (also `python -m watermark`).

Exit codes: 0 success (trace / verify: someone accused), 1 nothing found or
not verified, 2 usage or input error (one line on stderr, never a traceback).
The key comes from --key-file or $WATERMARK_KEY_FILE, never from an
argument; the registry from --registry, $WATERMARK_REGISTRY, or
./watermark.db.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from . import __version__, fingerprint, languages, native_info
from .backend import contract
from .core.codes import SCHEME, check_level
from .core.keys import Key
from .core.marks import check_density
from .errors import KeyFileError, WatermarkError
from .workflow.registry import Registry, default_path
from .workflow.release import Release, check_recipient_name, read_recipients
from .workflow.trace import Suspicion, trace
from .workflow.trees import ARCHIVE_FORMATS

EXIT_OK, EXIT_NOTHING, EXIT_ERROR = 0, 1, 2


def _dump(obj: object) -> None:
    json.dump(obj, sys.stdout, indent=2)
    print()


def _key(args: argparse.Namespace) -> Key:
    path = args.key_file or os.environ.get("WATERMARK_KEY_FILE")
    if not path:
        raise KeyFileError("no key: pass --key-file KEY_FILE or set WATERMARK_KEY_FILE")
    key = Key.load(path)
    try:
        mode = os.stat(path).st_mode
    except OSError:  # read a moment ago; nothing to warn about
        mode = 0
    if mode & 0o077:  # like ssh: a secret others can read is no secret
        _warn(f"key file {path} can be read by others (mode {mode & 0o777:o}); run: chmod 600 {path}")
    return key


def _warn(message: str) -> None:
    print(f"watermark: warning: {message}", file=sys.stderr)


def _registry(args: argparse.Namespace, create: bool, readonly: bool = False) -> Registry:
    return Registry(args.registry or default_path(), create=create, readonly=readonly)


def _recipients(args: argparse.Namespace) -> list[str]:
    names = [check_recipient_name(r) for r in args.recipient or []]
    if getattr(args, "recipients_file", None):
        names += read_recipients(args.recipients_file)
    if not names:
        raise WatermarkError("no recipient: pass --recipient NAME or --recipients-file FILE")
    return list(dict.fromkeys(names))


# ---- commands ----------------------------------------------------------------

def _keygen(args: argparse.Namespace) -> int:
    key = Key.generate()
    key.save(args.key_file_out)
    print(f"wrote {args.key_file_out} (key id {key.id}); keep it secret and backed up")
    return EXIT_OK


def _fingerprint(args: argparse.Namespace) -> int:
    reports = []
    for name in args.paths:
        path = Path(name)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise WatermarkError(f"{name}: cannot read ({exc.strerror or exc})") from None
        reports.append(fingerprint(data, language=args.language, path=name))
    if args.json:
        _dump([
            {
                "path": fp.path, "language": fp.language, "bytes": fp.size, "nodes": fp.node_count,
                "has_error": fp.has_error, "exact": f"{fp.exact:016x}", "renamed": f"{fp.renamed:016x}",
                "skeleton": f"{fp.skeleton:016x}",
                "units": [
                    {"kind": u.kind, "name": u.name, "lines": [u.start_line, u.end_line],
                     "has_error": u.has_error, "exact": f"{u.exact:016x}", "renamed": f"{u.renamed:016x}",
                     "skeleton": f"{u.skeleton:016x}"}
                    for u in fp.units
                ] if args.units else fp.unit_count,
            }
            for fp in reports
        ])
        return EXIT_OK
    for fp in reports:
        flag = "  (syntax errors)" if fp.has_error else ""
        print(f"{fp.path}  {fp.language}  {fp.unit_count} units  exact {fp.exact:016x}  "
              f"renamed {fp.renamed:016x}  skeleton {fp.skeleton:016x}{flag}")
        if args.units:
            for u in fp.units:
                name = f" {u.name}" if u.name else ""
                err = "  !" if u.has_error else ""
                print(f"  {u.start_line:>5}-{u.end_line:<5} {u.kind}{name}  {u.exact:016x} {u.renamed:016x} "
                      f"{u.skeleton:016x}{err}")
    return EXIT_OK


def _embed(args: argparse.Namespace) -> int:
    key = _key(args)
    recipients = _recipients(args)
    with _registry(args, create=True) as registry:
        release = Release.analyse(args.src, key, name=args.release, rev=args.rev, include=args.include or (),
                                  exclude=args.exclude or (), default_excludes=not args.no_default_excludes,
                                  density=args.density, code=args.code, jobs=args.jobs)
        with release:
            copies = release.embed(recipients, args.out, registry=registry, format=args.format)
    unmarked = release.unmarked()
    if release.carriers == 0:
        _warn(f"nothing was marked: {release.marked_files} files marked, 0 carriers in {args.src}; the copies "
              "are identical and no leak of them can be traced")
    if args.json:
        _dump({"release": release.name, "key_id": release.key_id, "registry": str(registry.path),
               "files": len(release.files), "marked_files": release.marked_files, "carriers": release.carriers,
               "unmarked": [{"path": f.path, "reason": f.reason} for f in unmarked],
               "not_copied": [{"path": f.path, "reason": f.reason} for f in release.skipped()],
               "copies": [c.__dict__ for c in copies]})
        return EXIT_OK
    print(f"release {release.name}: {len(release.files)} entries, {release.marked_files} files marked, "
          f"{release.carriers} carriers (key {release.key_id}, registry {registry.path})")
    for f in unmarked:
        print(f"  left unmarked: {f.path}: {f.reason}")
    for f in release.skipped():
        print(f"  not copied: {f.path}: {f.reason}")
    for c in copies:
        print(f"  {c.recipient}: {c.output}  (+{c.lines_added} / -{c.lines_removed} blank lines)")
    return EXIT_OK


def _extract(args: argparse.Namespace) -> int:
    from array import array

    from .core.marks import identities_of
    from .workflow.trace import extract_file, suspect_jobs  # the reading half of trace, without a registry

    key = _key(args)
    files: list[dict[str, Any]] = []
    for job, (path, guessed) in suspect_jobs(_suspect(args.suspect), args.language):
        got = extract_file(job)
        if guessed and got.language is None and path != "<text>":
            continue  # a file that is not code (trace skips it the same way)
        words = array("Q")
        words.frombytes(got.words)
        ids = identities_of(key, words)
        files.append({"path": path, "language": got.language, "note": got.note, "carriers": len(ids),
                      "observations": [[f"{i:016x}", b] for i, b in zip(ids, got.bits)]})
    total = sum(f["carriers"] for f in files)  # (the JSON has always called them carriers)
    if args.json:
        _dump({"key_id": key.id, "carriers": total, "files": files})
    else:
        print(_table(["path", "language", "boundaries", "note"],
                     [[f["path"], f["language"] or "-", f["carriers"], f["note"] or ""] for f in files]))
        print(f"{total} boundaries read in {len(files)} file{'s' if len(files) != 1 else ''}")
    return EXIT_OK if total else EXIT_NOTHING


def _table(header: list[str], rows: list[list[Any]]) -> str:
    """Rows under a header, columns padded (numbers to the right)."""
    cells = [header] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[k]) for r in cells) for k in range(len(header))]
    numeric = [all(isinstance(row[k], int) for row in rows) and bool(rows) for k in range(len(header))]
    lines = []
    for r in cells:
        parts = [c.rjust(w) if num else c.ljust(w) for c, w, num in zip(r, widths, numeric)]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


def _suspect(name: str) -> str | bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    if not os.path.exists(name):
        raise WatermarkError(f"{name}: no such file or directory")
    return name


def _trace(args: argparse.Namespace, recipients: list[str] | None = None) -> int:
    key = _key(args)
    with _registry(args, create=False, readonly=True) as registry:
        report = trace(_suspect(args.suspect), key, registry, level=args.level, language=args.language,
                       jobs=args.jobs, recipients=recipients)
    found = bool(report.accused)
    if args.json:
        _dump(report.to_json())
        return EXIT_OK if found else EXIT_NOTHING
    if not report.releases:
        print(f"{report.suspect}: {report.boundaries} boundaries read, none is a carrier of a release "
              f"marked with this key")
        _provenance_block(report)
        return EXIT_NOTHING
    names = ", ".join(f"{n} ({c} carriers)" for n, c in report.releases)
    print(f"suspect {report.suspect}: matches release {names}")
    print(f"{report.carriers} distinct carriers scored for {report.recipients_tested} recipients "
          f"(code {report.code}, level {report.level:g}, bounds corrected for every recipient "
          f"{'and combination ' if report.code == 'unbiased' and report.recipients_tested > 1 else ''}tested)")
    print()
    print(f"  {'recipient':<24} {'matches':>16} {'bound':>12}  verdict")
    for s in report.ranking[:args.top]:
        bound = f"1e{s.log10_bound:.1f}" if s.log10_bound < -300 else f"{s.bound:.3g}"
        print(f"  {s.recipient:<24} {f'{s.matches}/{s.carriers}':>16} {bound:>12}  {_verdict(s)}")
    if len(report.ranking) > args.top:
        print(f"  ... {len(report.ranking) - args.top} more, none accused")
    for d in report.decoded:
        if not d["accused"]:
            print(f"  the copy is the XOR of the codewords of {', '.join(d['recipients'])} "
                  f"({d['matches']}/{d['carriers']} carriers), but that bound (1e{d['log10_bound']:.1f}) "
                  "is above the level: too many sets of that size are registered to accuse them")
    if report.accused:
        print()
        combined = any(a.combined for a in report.accused)
        print("per-file evidence (matching bits / carriers"
              f"{'; one accused through a combination matches its own bits about half the time' if combined else ''}):")
        for f in report.files:
            if f.carriers:
                ev = "  ".join(f"{r} {m}/{f.carriers}" for r, m in f.matches.items())
                print(f"  {f.path}: {ev}")
    _provenance_block(report)
    return EXIT_OK if found else EXIT_NOTHING


def _provenance_block(report: Any) -> None:
    """Where the code comes from, and the marks' diagnosis (never an accusation)."""
    prov, marks = report.provenance, report.marks
    if prov is None:
        return
    print()
    if prov.release is None:
        print("provenance: no release in the registry shares code with the suspect"
              + (f" ({len(prov.unindexed)} releases recorded before provenance prints)" if prov.unindexed else ""))
    else:
        derived = [f for f in prov.files if f.derived]
        verdict = f"derived from release {prov.release}: {len(derived)} of {len(prov.files)} files derived" \
            if prov.derived else f"shares some code with release {prov.release} (not enough to call it derived)"
        print(f"provenance: {verdict}, {prov.release_share:.0%} of the release's prints present, "
              f"{prov.matched_share:.0%} of the suspect's prints from it; independently written code shares this "
              f"much with probability <= {10 ** prov.log10_bound:.2g}")
        for f in sorted(derived, key=lambda f: (-f.similarity, f.path))[:10]:
            print(f"  {f.path} <- {f.release_path}  similarity {f.similarity:.2f}")
        if len(derived) > 10:
            print(f"  ... {len(derived) - 10} more files derived (--json lists every file)")
        for o in prov.others[:3]:
            print(f"  also shares {o['shared_prints']} prints with release {o['release']}")
    if marks is not None and marks.state != "unknown":
        print(f"marks: {marks.state} ({marks.reason})")
        if marks.candidates:
            shown = ", ".join(marks.candidates[:20])
            more = f" and {len(marks.candidates) - 20} more" if len(marks.candidates) > 20 else ""
            print(f"  candidates (everyone who received {prov.release}): {shown}{more}")


def _verdict(s: Suspicion) -> str:
    """The verdict column: why a recipient is accused."""
    if not s.accused:
        return "-"
    why = ["complemented copy"] if s.complemented else []
    if s.combined:
        why.append(f"{'decoded ' if s.test == 'decoded' else ''}XOR of codewords with {', '.join(s.combined)}")
    return f"ACCUSED ({'; '.join(why)})" if why else "ACCUSED"


def _verify(args: argparse.Namespace) -> int:
    return _trace(args, recipients=[check_recipient_name(args.recipient_name)])


def _registry_list(args: argparse.Namespace) -> int:
    with _registry(args, create=False, readonly=True) as registry:
        releases = registry.releases()
    if args.json:
        _dump([r.__dict__ for r in releases])
        return EXIT_OK
    if not releases:
        print("no releases")
        return EXIT_NOTHING
    print(f"{'release':<24} {'created':<26} {'key':<17} {'files':>6} {'carriers':>9} {'recipients':>10}")
    for r in releases:
        print(f"{r.name:<24} {r.created:<26} {r.key_id:<17} {r.marked_files:>6} {r.carriers:>9} {r.recipients:>10}")
    return EXIT_OK


def _registry_show(args: argparse.Namespace) -> int:
    with _registry(args, create=False, readonly=True) as reg:
        info = reg.release(args.name)
        recipients, copies = reg.recipients(release=args.name), reg.copies(args.name)
        files = reg.files(args.name) if args.files or args.json else []
    if args.json:
        _dump({**info.__dict__, "recipient_names": recipients, "issued": copies, "file_list": files})
        return EXIT_OK
    for k, v in info.__dict__.items():
        print(f"{k:>13}: {v}")
    print(f"{'who':>13}: {', '.join(recipients) if recipients else '-'}")
    for c in copies:
        print(f"{'copy':>13}: {c['recipient']} {c['created']} {c['digest'][:16]} {c['output']}")
    for f in files:
        why = f" ({f['reason']})" if f["reason"] else ""
        print(f"  {f['status']:<9} {f['carriers']:>6}  {f['path']}{why}")
    return EXIT_OK


def _registry_add(args: argparse.Namespace) -> int:
    names = _recipients(args)
    with _registry(args, create=False) as registry:
        added = registry.add_recipients(args.release, names)
    print(f"{added} new recipients registered for {args.release} ({len(names) - added} already there)")
    return EXIT_OK


def _diff(args: argparse.Namespace) -> int:
    from .diff import CLASSES, STATUSES
    from .diff import diff as tree_diff
    from .diff.render import report

    wanted = [w.strip() for item in args.only or () for w in item.split(",") if w.strip()]
    unknown = [w for w in wanted if w not in CLASSES and w not in STATUSES]
    if unknown:
        raise WatermarkError(f"--only {unknown[0]}: not a change class or status; one of "
                             f"{', '.join(CLASSES + STATUSES)}")
    d = tree_diff(args.base, args.suspect, language=args.language, jobs=args.jobs, rev=args.rev,
                  progress=None if args.progress else False)
    shown = d.only(wanted) if wanted else d.functions
    if args.json:
        out = d.as_json()
        if wanted:
            out["functions"] = [f.as_json() for f in shown]
        _dump(out)
    else:
        color = {"always": True, "never": False}.get(args.color, sys.stdout.isatty() and not os.environ.get("NO_COLOR"))
        print(report(d, color=color, functions=shown))
    return EXIT_NOTHING if (shown if wanted else d.changed) else EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    from . import demo

    if args.sample_only:
        if args.folder is None:
            raise WatermarkError("--sample-only needs DIR, the folder to write the sample release into")
        out = demo.copy_sample(args.folder)
        files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
        print(f"wrote the sample release to {args.folder}: {', '.join(files)}")
        return EXIT_OK
    return demo.run(args.folder)


def _info(args: argparse.Namespace) -> int:
    print(json.dumps({**native_info(), "languages": languages.names()}, indent=2))
    return EXIT_OK


# ---- parser --------------------------------------------------------------------

def _key_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--key-file", metavar="KEY_FILE", help="the vendor key (default: $WATERMARK_KEY_FILE)")


def _registry_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--registry", metavar="DB",
                   help="registry database (default: $WATERMARK_REGISTRY or ./watermark.db)")


def _level(text: str) -> float:
    try:
        return check_level(_number(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _density(text: str) -> float:
    try:
        return float(check_density(_number(text)))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None


def _count(least: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"{value} is less than {least}")
        return value
    return parse


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line, naming the option, like every other error."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_ERROR, f"watermark: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="watermark", description=__doc__.splitlines()[0],
                     epilog="exit codes: 0 success, 1 nothing found / not verified, 2 error")
    parser.add_argument("--version", action="version", version=f"watermark {__version__} "
                        f"(scheme {SCHEME}, ABI {contract.WM_ABI_VERSION})")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("keygen", help="create a new vendor key file (mode 0600, never overwritten)")
    p.add_argument("key_file_out", metavar="KEY_FILE")
    p.set_defaults(run=_keygen)

    p = sub.add_parser("fingerprint", help="AST-node hash fingerprints of source files")
    p.add_argument("paths", nargs="+", metavar="FILE")
    p.add_argument("--language", help=f"one of {', '.join(languages.names())}, or an alias (default: from the "
                   "extension)")
    p.add_argument("--units", action="store_true", help="list every unit with its hashes")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(run=_fingerprint)

    p = sub.add_parser("embed", help="mark a source tree for one or more recipients")
    p.add_argument("src", metavar="SRC",
                   help="directory, .tar/.tar.gz/.tar.xz/.tar.bz2/.zip archive, file, or git repository with --rev")
    p.add_argument("--out", required=True, metavar="OUT",
                   help="one recipient: the copy (a directory, or an archive by its suffix); several: OUT/<recipient>/")
    p.add_argument("--release", metavar="NAME", help="release name in the registry (default: SRC's base name)")
    p.add_argument("--recipient", action="append", metavar="NAME", help="a recipient (repeatable)")
    p.add_argument("--recipients-file", metavar="FILE", help="recipients, one per line")
    p.add_argument("--rev", metavar="REV", help="mark this git revision of the repository SRC")
    p.add_argument("--include", action="append", metavar="GLOB", help="mark only matching files (repeatable)")
    p.add_argument("--exclude", action="append", metavar="GLOB", help="do not mark matching files (repeatable)")
    p.add_argument("--no-default-excludes", action="store_true",
                   help="also mark node_modules, vendor, testdata, third_party and *.min.js")
    p.add_argument("--format", choices=list(ARCHIVE_FORMATS), help="several recipients: one archive each")
    p.add_argument("--density", type=_density, help="fraction of eligible boundaries used (default: per language)")
    p.add_argument("--code", choices=["unbiased", "tardos"], help="recipient code (default: unbiased)")
    p.add_argument("--jobs", type=_count(1), help="worker processes (default: all cores)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    _key_option(p)
    _registry_option(p)
    p.set_defaults(run=_embed)

    for name, helptext in (("extract", "read the carrier bits of a suspect copy"),
                           ("trace", "name the recipients a suspect copy came from"),
                           ("verify", "test one recipient against a suspect copy")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("suspect", metavar="SUSPECT", help="directory, archive, file, or - for stdin")
        if name == "verify":
            p.add_argument("--recipient", dest="recipient_name", required=True, metavar="NAME")
        p.add_argument("--language", choices=languages.names(),
                       help="read stdin, and every file, as this language (default: each file by its extension, "
                       "or by its content when the extension is not a known one)")
        p.add_argument("--json", action="store_true", help="machine-readable output")
        _key_option(p)
        if name != "extract":
            _registry_option(p)
            p.add_argument("--level", type=_level, default=1e-9,
                           help="accuse when the corrected false-accusation bound is at most this (default 1e-9)")
            p.add_argument("--jobs", type=_count(1), help="worker processes (default: all cores)")
            p.add_argument("--top", type=_count(0), default=10, help="recipients listed (default 10)")
        p.set_defaults(run={"extract": _extract, "trace": _trace, "verify": _verify}[name])

    reg = sub.add_parser("registry", help="releases and recipients on record")
    regsub = reg.add_subparsers(dest="registry_command", required=True)
    p = regsub.add_parser("list", help="every release")
    p.add_argument("--json", action="store_true")
    _registry_option(p)
    p.set_defaults(run=_registry_list)
    p = regsub.add_parser("show", help="one release: recipients, copies, files")
    p.add_argument("name", metavar="RELEASE")
    p.add_argument("--files", action="store_true", help="list every file")
    p.add_argument("--json", action="store_true")
    _registry_option(p)
    p.set_defaults(run=_registry_show)
    p = regsub.add_parser("add-recipients", help="register recipients of a release without writing copies")
    p.add_argument("--release", required=True, metavar="NAME")
    p.add_argument("--recipients-file", metavar="FILE")
    p.add_argument("--recipient", action="append", metavar="NAME")
    _registry_option(p)
    p.set_defaults(run=_registry_add)

    p = sub.add_parser("diff", help="which functions of a copy differ from the release, and how",
                       description="Compare SUSPECT against BASE function by function. Exit codes like diff(1): "
                       "0 no change beyond layout, 1 changes found, 2 error.")
    p.add_argument("base", metavar="BASE",
                   help="the release: directory, .tar/.tar.gz/.tar.xz/.tar.bz2/.zip archive, file, or git repository "
                   "with --rev")
    p.add_argument("suspect", metavar="SUSPECT", help="the copy: directory, archive or file")
    p.add_argument("--rev", metavar="REV", help="read this git revision of the repository BASE")
    p.add_argument("--json", action="store_true", help="machine-readable report on stdout")
    p.add_argument("--only", metavar="CLASS", action="append",
                   help="report only functions with this change class or status (repeat, or comma-separate)")
    p.add_argument("--language", choices=languages.names(), help="read every file as this language")
    p.add_argument("--jobs", type=_count(1), metavar="N", help="worker processes (default: every core)")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    p.add_argument("--progress", action="store_true", help="a progress line on a terminal's stderr")
    p.set_defaults(run=_diff)

    p = sub.add_parser("info", help="which implementation runs, supported languages")
    p.set_defaults(run=_info)

    p = sub.add_parser("demo", help="the whole product on the bundled sample release, step by step",
                       description="Mark the bundled sample release for three customers, trace a reformatted "
                       "leak, diff a patched copy, and trace a copy whose marks were stripped; each step is "
                       "printed with its command. Needs no Go or Node.")
    p.add_argument("folder", metavar="DIR", nargs="?",
                   help="work here and keep everything (absent or empty; default: a temporary folder, "
                   "removed at the end)")
    p.add_argument("--sample-only", action="store_true", help="only write the sample release tree into DIR")
    p.set_defaults(run=_demo)
    return parser


class _Terminated(BaseException):
    """SIGTERM (timeout, systemd, docker, CI runners): stop like Ctrl-C."""


_terminating = False


def _terminate(signum: int, frame: object) -> None:
    global _terminating
    _terminating = True
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not break the cleanup
    raise _Terminated


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return args.run(args)
    except (WatermarkError, ValueError) as exc:
        if _terminating:  # a SIGTERM to the whole group: the workers died of it first
            print("watermark: terminated; nothing partial was left behind", file=sys.stderr)
            return 128 + signal.SIGTERM
        print(f"watermark: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("watermark: interrupted; nothing partial was left behind", file=sys.stderr)
        return 130
    except _Terminated:
        print("watermark: terminated; nothing partial was left behind", file=sys.stderr)
        return 128 + signal.SIGTERM
    except BrokenPipeError:  # output piped into `head` and the like
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"watermark: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
