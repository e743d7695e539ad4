"""The command line: `ent-ls check`, `serve`, `catalog`, `explain`, `rules`."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from ent_ls import __version__
from ent_ls.catalog import PLATFORMS, default_catalog
from ent_ls.discover import is_entitlements_name  # noqa: F401  (kept importable from here)
from ent_ls.gcpause import freeze_big_tree, paused_gc

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
# --fail-level: the severities that make `check` exit 1
FAIL_LEVELS = {"error": ("error",), "warning": ("error", "warning"),
               "information": ("error", "warning", "information"), "never": ()}


class UsageError(Exception):
    pass


def _split_ids(values: Optional[List[str]]) -> Optional[List[str]]:
    if values is None:
        return None
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ent-ls",
        description="Language server and linter for Apple .entitlements files.",
        epilog="Run 'ent-ls COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"ent-ls {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="lint entitlements files", description=(
        "Lint .entitlements files (and entitlements*.plist) given as files or found under folders. "
        "Exit status: 0 clean, 1 a warning or error was found, 2 usage or I/O error."))
    check.add_argument("paths", nargs="*", metavar="PATH",
                       help="files or folders to check, '-' for standard input (default: .); also signed "
                       "binaries, bundles, .xcarchive, .ipa/.zip and provisioning profiles")
    check.add_argument("--format", choices=("text", "json", "sarif", "github"), default="text",
                       help="output format (default: text)")
    check.add_argument("--fix", action="store_true", help="apply safe fixes in place")
    check.add_argument("--unsafe-fixes", action="store_true", help="with --fix or --diff, also apply unsafe fixes")
    check.add_argument("--diff", action="store_true",
                       help="print the fixes as a unified diff instead of writing them; exit 1 if there are any")
    check.add_argument("--platform", choices=sorted(PLATFORMS), help="target platform (default: from the config or the path)")
    check.add_argument("--select", action="append", metavar="RULES", help="only these rule ids (comma-separated)")
    check.add_argument("--ignore", action="append", metavar="RULES", help="skip these rule ids (comma-separated)")
    check.add_argument("--config", metavar="FILE", help="a .ent-ls.toml or pyproject.toml to use instead of searching")
    check.add_argument("--stdin-filename", metavar="PATH", help="the path standard input stands for (config, platform)")
    check.add_argument("--fail-level", choices=tuple(FAIL_LEVELS), default="warning",
                       help="exit 1 when a finding at this level or worse is found (default: warning)")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when problems are found (--fail-level never)")
    check.add_argument("--no-ignore", action="store_true",
                       help="in folders, check every entitlements file: no .gitignore, exclude or default skips")
    add_color_options(check)
    check.add_argument("--project-url", metavar="URL", default=os.environ.get("ENT_LS_PROJECT_URL") or None,
                       help="SARIF: the ent-ls project's web address (informationUri; env ENT_LS_PROJECT_URL)")
    check.add_argument("--rules-url", metavar="URL", default=os.environ.get("ENT_LS_RULES_URL") or None,
                       help="SARIF and JSON: web address of ent-ls's docs/rules.md, to link each rule "
                            "(env ENT_LS_RULES_URL)")
    check.add_argument("-q", "--quiet", action="store_true", help="text format: print only the problems")
    check.add_argument("--profile", metavar="P", help="cross-check against this provisioning profile")

    show = sub.add_parser("show", help="print the entitlements signed into a binary, bundle or archive")
    show.add_argument("path", metavar="PATH", help="a Mach-O binary, bundle, .xcarchive, .ipa/.zip or profile")
    show.add_argument("--format", choices=("xml", "json"), default="xml", help="output format (default: xml)")

    serve = sub.add_parser("serve", help="run the language server (stdio by default)")
    serve.add_argument("--stdio", action="store_true", help="talk over standard input and output (the default)")
    serve.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP address instead of stdio")
    # vscode-languageclient's spellings: it may ask for Node IPC and passes the editor's process id.
    serve.add_argument("--node-ipc", action="store_true", help=argparse.SUPPRESS)
    serve.add_argument("--clientProcessId", "--client-process-id", dest="client_pid", type=int, metavar="PID",
                       help="exit when the process PID (the editor) has gone")

    cat = sub.add_parser("catalog", help="print the entitlement catalog as JSON")
    cat.add_argument("--key", metavar="PREFIX", help="only keys starting with PREFIX")

    explain = sub.add_parser("explain", help="explain an entitlement key or a rule id")
    explain.add_argument("name", metavar="KEY_OR_RULE")
    explain.add_argument("--format", choices=("text", "markdown"), default="text",
                         help="text: laid out for a terminal (default); markdown: the Markdown source")
    add_color_options(explain)

    rules = sub.add_parser("rules", help="list the rules")
    rules.add_argument("--format", choices=("text", "json"), default="text")

    targets = sub.add_parser("targets", help="list what each Xcode target and configuration signs with", description=(
        "For every target and build configuration of the Xcode projects under PATH (or above it): the "
        "entitlements file, platforms, Hardened Runtime, bundle identifier."))
    targets.add_argument("paths", nargs="*", metavar="PATH", help="folders, .xcodeproj or files (default: .)")
    targets.add_argument("--format", choices=("text", "json"), default="text")
    return parser


def add_color_options(parser: argparse.ArgumentParser) -> None:
    color = parser.add_mutually_exclusive_group()
    color.add_argument("--color", default="auto", choices=("auto", "always", "never"),
                       help="colour: auto (a terminal, unless NO_COLOR is set), always or never (default: auto)")
    color.add_argument("--no-color", dest="color", action="store_const", const="never", help="same as --color never")


def use_color(choice: str, stream) -> bool:
    if choice == "auto":
        return stream.isatty() and not os.environ.get("NO_COLOR")
    return choice == "always"


def find_files(args, fixed_config: Optional[Path], paths: Sequence[str]) -> List[str]:
    """The files to check: named files, and what discovery finds in named
    folders with the exclusions of the folder's configuration."""
    from ent_ls.config import load_config, settings_for
    from ent_ls.discover import DEFAULT_EXCLUDE, discover

    found: List[str] = []
    for p in paths:
        settings = None
        if os.path.isdir(p) and not args.no_ignore:
            settings = load_config(fixed_config) if fixed_config else settings_for(p)
        if settings is None:
            found.extend(discover([p], everything=args.no_ignore))
            continue
        exclude = list(DEFAULT_EXCLUDE if settings.exclude is None else settings.exclude) + settings.extend_exclude
        found.extend(discover([p], exclude, settings.respect_gitignore))
    return found


def main(argv: Optional[Sequence[str]] = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        # a lone surrogate (an undecodable byte, kept losslessly) must not stop
        # any output format: written as a \udcxx escape, which JSON reads back
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return run_check(args)
        if args.command == "show":
            from ent_ls.audit import run_show

            return run_show(args)
        if args.command == "serve":
            return run_serve(args)
        if args.command == "catalog":
            return run_catalog(args)
        if args.command == "explain":
            return run_explain(args)
        if args.command == "rules":
            return run_rules(args)
        if args.command == "targets":
            from ent_ls.cli_project import run_targets

            return run_targets(args)
        parser.print_help()
        return EXIT_OK
    except UsageError as exc:
        print(f"ent-ls: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK


def _apply_cli(settings, args) -> None:
    """Command-line options win over the configuration file."""
    if args.platform:
        settings.platform = args.platform
    select, ignore = _split_ids(args.select), _split_ids(args.ignore)
    if select:
        settings.select = select
    if ignore:
        settings.ignore = settings.ignore + ignore


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    with open(path, "rb") as fh:
        return fh.read()


def run_check(args) -> int:
    from ent_ls.analysis import all_rules, analyze
    from ent_ls.analysis.fixes import fix_document
    from ent_ls.config import load_config, settings_for
    from ent_ls.document import Document
    from ent_ls.report import FileResult, write_github, write_json, write_sarif, write_text
    from ent_ls.syntax import decode

    args.paths_named = bool(args.paths)
    args.paths = args.paths or ["."]
    if args.unsafe_fixes and not (args.fix or args.diff):
        raise UsageError("--unsafe-fixes needs --fix or --diff")
    if args.fix and args.diff:
        raise UsageError("--fix writes the fixes and --diff only shows them: choose one")
    rules = all_rules()
    known = [r.id for r in rules]
    for rid in (_split_ids(args.select) or []) + (_split_ids(args.ignore) or []):
        if rid not in known and rid != "ALL":
            import difflib

            close = difflib.get_close_matches(rid, known, 1, 0.6)
            hint = f"did you mean {close[0]!r}?" if close else "'ent-ls rules' lists them"
            raise UsageError(f"unknown rule id {rid!r}; {hint}")
    fixed_config = None
    if args.config:
        if not os.path.isfile(args.config):
            raise UsageError(f"config file not found: {args.config}")
        fixed_config = Path(args.config)
    from ent_ls.audit import FIX_REFUSED, check_target, load_profile, split_paths

    signed_paths, plain_paths = split_paths(args.paths)
    try:
        profile = load_profile(args.profile)
        paths = find_files(args, fixed_config, plain_paths) if plain_paths else []
    except FileNotFoundError as exc:
        raise UsageError(f"no such file or folder: {exc.args[0]}") from None
    except ValueError as exc:  # an unreadable --profile
        raise UsageError(str(exc)) from None
    if not paths and not signed_paths:
        named = args.paths_named
        where = ", ".join(args.paths)
        print(f"ent-ls: {'error' if named else 'warning'}: no entitlements files (*.entitlements, "
              f"entitlements*.plist) found in {where}", file=sys.stderr)
        if args.format in ("json", "sarif"):  # a valid, empty report for the tools that read it
            (write_json([], sys.stdout) if args.format == "json" else write_sarif([], rules, sys.stdout))
        return EXIT_ERROR if named else EXIT_OK
    if "-" in paths and args.fix and len(paths) > 1:
        raise UsageError("--fix with standard input works only when '-' is the only path")

    from ent_ls.cli_project import CheckProjects

    projects = CheckProjects(args.paths)  # the Xcode projects around the files, read once
    catalog = default_catalog()
    results: List[FileResult] = []
    io_errors = 0
    config_problems_seen = set()
    # Settings per folder: every file in a folder finds the same config file,
    # and looking for it (a stat per parent folder) and reading it again for
    # each file cost more than linting a small file.
    settings_cache: dict = {}
    diffs: List[str] = []
    progress = sys.stderr.isatty() and len(paths) > 100 and args.format == "text"
    for n, path in enumerate(paths, 1):
        if progress and n % 50 == 0:
            print(f"\rchecked {n}/{len(paths)} files", end="", file=sys.stderr, flush=True)
        shown = path if path != "-" else (args.stdin_filename or "<stdin>")
        try:
            data = _read(path)
        except OSError as exc:
            print(f"ent-ls: error: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
            io_errors += 1
            continue
        cfg_for = args.stdin_filename if path == "-" else path
        cache_key = None if path == "-" else os.path.dirname(os.path.abspath(path))
        base = settings_cache.get(cache_key) if cache_key is not None else None
        if base is None:
            base = load_config(fixed_config) if fixed_config else settings_for(cfg_for)
            if cache_key is not None:
                settings_cache[cache_key] = base
        settings = base.copy()
        projects.attach(settings, cfg_for)
        settings.check_rule_ids(known)
        _apply_cli(settings, args)
        for problem in settings.problems:
            if problem not in config_problems_seen:
                config_problems_seen.add(problem)
                print(f"ent-ls: config: {problem} (defaults apply)", file=sys.stderr)
        # Paused while one file is read and checked: a big file's tree would
        # otherwise be rescanned by every collection its findings trigger.
        with paused_gc():
            decoded = decode(data)
            doc = Document(decoded.text, cfg_for, decoded.binary, decoded.problems)
            doc.profile = profile
            fixed = 0
            if args.diff:
                if not decoded.binary and not decoded.lossy:
                    new_doc, fixed, _ = fix_document(doc, catalog, settings, unsafe=args.unsafe_fixes)
                    if fixed:
                        diffs.append(_unified_diff(shown, doc.text, new_doc.text))
                continue
            if args.fix and not decoded.binary and not decoded.lossy:
                new_doc, fixed, diags = fix_document(doc, catalog, settings, unsafe=args.unsafe_fixes)
                if fixed:
                    if path == "-":
                        sys.stdout.buffer.write(decoded.encode(new_doc.text))
                        sys.stdout.flush()
                    else:
                        try:
                            with open(path, "wb") as fh:
                                fh.write(decoded.encode(new_doc.text))
                        except OSError as exc:
                            print(f"ent-ls: error: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
                            io_errors += 1
                            fixed = 0
                            new_doc, diags = doc, analyze(doc, catalog, settings)
                    doc = new_doc
                elif path == "-":
                    sys.stdout.buffer.write(data)
            else:
                if args.fix and (decoded.binary or decoded.lossy):
                    what = "binary property lists are" if decoded.binary else "a file with damaged text is"
                    print(f"ent-ls: {shown}: {what} not fixed in place", file=sys.stderr)
                diags = analyze(doc, catalog, settings)
            # decoding problems are reported once, by xml-syntax
            fixable = not (decoded.binary or decoded.lossy or any(d.rule == "not-a-plist" for d in diags))
            results.append(FileResult(shown, doc.text, diags, decoded.binary, fixed, doc.lines, fixable=fixable))
            results[-1].doc = doc  # a binary plist's findings have no lines: they name their key instead
        freeze_big_tree(len(doc.text))  # kept for the report: out of the collector's sight from now on
    results.extend(projects.results(lambda p: _settings_for_project(p, fixed_config, args), FileResult))
    if progress:
        print("\r" + " " * 40 + "\r", end="", file=sys.stderr)
    for path in signed_paths:  # binaries, bundles, archives, profiles
        if args.fix or args.diff:
            print(f"ent-ls: {path}: {FIX_REFUSED}", file=sys.stderr)
            if args.diff:
                continue
        settings = (load_config(fixed_config) if fixed_config else settings_for(path)).copy()
        _apply_cli(settings, args)
        results.extend(check_target(path, settings, catalog, profile))
    if args.diff:
        sys.stdout.write("".join(diffs))
        return EXIT_ERROR if io_errors else (EXIT_FINDINGS if diffs else EXIT_OK)

    out = sys.stderr if (args.fix and "-" in paths) else sys.stdout
    if args.format == "text":
        color = use_color(args.color, out)
        if args.quiet:
            import io

            buf = io.StringIO()
            write_text(results, buf, color, not args.unsafe_fixes)
            lines = buf.getvalue().splitlines(True)
            out.write("".join(line for line in lines if ": " in line and "[" in line))
        else:
            write_text(results, out, color, not args.unsafe_fixes)
    elif args.format == "json":
        write_json(results, out, args.rules_url)
    elif args.format == "sarif":
        write_sarif(results, rules, out, args.project_url, args.rules_url)
    else:
        write_github(results, out)
    out.flush()

    if io_errors:
        return EXIT_ERROR
    failing = () if args.exit_zero else FAIL_LEVELS[args.fail_level]
    worst = [d for r in results for d in r.diagnostics if d.severity in failing]
    return EXIT_FINDINGS if worst else EXIT_OK


def _settings_for_project(path: str, fixed_config, args):
    from ent_ls.config import load_config, settings_for

    settings = load_config(fixed_config) if fixed_config else settings_for(path)
    _apply_cli(settings, args)
    return settings


def _unified_diff(path: str, old: str, new: str) -> str:
    import difflib

    from ent_ls.report import display_path

    shown = display_path(path).replace(os.sep, "/").lstrip("/")
    lines = difflib.unified_diff(old.splitlines(True), new.splitlines(True), f"a/{shown}", f"b/{shown}")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def run_serve(args) -> int:
    from ent_ls.server import serve

    if args.node_ipc:
        raise UsageError("--node-ipc is a Node.js transport; ent-ls speaks over --stdio (the default) or --tcp")
    tcp: Optional[Tuple[str, int]] = None
    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        if not host or not port.isdigit():
            raise UsageError(f"--tcp takes HOST:PORT, not {args.tcp!r}")
        tcp = (host, int(port))
    if tcp is None and sys.stdin.isatty():
        print("ent-ls serve is a language server: editors start it and talk to it on stdin. "
              "To lint files, run 'ent-ls check'.", file=sys.stderr, flush=True)
    return serve(tcp, client_pid=args.client_pid)


def run_catalog(args) -> int:
    catalog = default_catalog()
    entries = [catalog.entries[k] for k in catalog.keys if not args.key or k.startswith(args.key)]
    json.dump([e.as_json() for e in entries], sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return EXIT_OK


def run_explain(args) -> int:
    from ent_ls.analysis import get_rule
    from ent_ls.docs import rule_markdown, terminal_markdown
    from ent_ls.features.hover import markdown_for_key

    name = args.name.strip()
    rule = get_rule(name)
    catalog = default_catalog()
    if rule is not None:
        text = rule_markdown(rule)
    elif name in catalog or catalog.is_internal(name):
        text = markdown_for_key(name, catalog)
    else:
        suggestions = catalog.suggest(name)
        hint = f" Did you mean {suggestions[0]}?" if suggestions else ""
        raise UsageError(f"{name!r} is neither a rule id nor a documented entitlement.{hint}")
    if args.format == "markdown":
        sys.stdout.write(text + "\n")
    else:
        width = shutil.get_terminal_size((88, 24)).columns if sys.stdout.isatty() else 88
        sys.stdout.write(terminal_markdown(text, use_color(args.color, sys.stdout), min(width, 100)) + "\n")
    return EXIT_OK


def run_rules(args) -> int:
    from ent_ls.analysis import all_rules

    rules = all_rules()
    if args.format == "json":
        json.dump([{"id": r.id, "severity": r.severity, "summary": r.summary} for r in rules], sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        width = max(len(r.id) for r in rules)
        for r in rules:
            sys.stdout.write(f"{r.id:<{width}}  {r.severity:<11}  {r.summary}\n")
    return EXIT_OK
