"""The project's own docs (docs/README.md) stay true to the code.

- every citation ``docs/<page>.md`` or ``docs/<page>.md §N`` (also ``§N, §M``, ``§N-§M`` and ``§N.M``) in the
  code, the tests, the benchmarks and the README names a page that exists and a numbered section it has;
- no file cites the specification pages by bare name (``patterns.md``) instead of ``docs/patterns.md``;
- every relative Markdown link in the docs and the README points at a file that exists, and its ``#anchor``
  at a heading of that file;
- every ``adjmat.*``, ``hwsim.*`` and ``predefsparse.*`` name the docs, the README and bench/RESULTS.md mention
  exists (the predefsparse ones in a test of their own: resolving them imports Keras);
- the glossary defines every term of the project's vocabulary, and the code and command-line spellings it
  gives exist;
- the table of kinds in docs/kinds.md matches the registry, and the worked example there runs.

Plain text scans plus one doctest: the module runs in well under a second after ``import adjmat``, except the
predefsparse names, which import Keras once.
"""
from __future__ import annotations

import dataclasses
import doctest
import re
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SCANNED = ("adjmat", "hwsim", "predefsparse", "bench", "tests")
THIS = Path(__file__).resolve()

# A citation: docs/<page>.md, optionally followed by section numbers ("§4", "§3, §4", "§4-§7", "§9.6").
CITATION = re.compile(r"docs/([A-Za-z0-9_-]+)\.md((?:\s*(?:,|-|–|and)?\s*§\s*\d+(?:\.\d+)?)*)")
SECTION = re.compile(r"§\s*(\d+)(?:\.(\d+))?")
RANGE = re.compile(r"§\s*(\d+)\s*[-–]\s*§?\s*(\d+)")
BARE_SPEC = re.compile(r"(?<!docs/)\b(patterns|hardware|training)\.md\b")
FILE_SUFFIXES = {"json", "csv", "npz", "png", "svg", "html", "md", "txt", "toml", "py", "hex", "keras"}
LINK = re.compile(r"\]\(([^)\s]+?\.md)(#[^)\s]*)?\)")

GLOSSARY_TERMS = ("p", "n", "fo", "fi", "W", "z", "C", "cpc", "D", "kind", "type", "dither", "timing", "RMW",
                  "density", "config", "junction", "sweep", "clash", "stall", "hazard", "PROCTIME", "overhead",
                  "seed")


def _python_files():
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*.py")):
            if path.resolve() != THIS and ".venv" not in path.parts:
                yield path


def _cited_files():
    yield from _python_files()
    yield ROOT / "README.md"
    yield from sorted(DOCS.glob("*.md"))


def _headings(page: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    return re.findall(r"^#{1,6}\s+(.+?)\s*$", text, flags=re.M)


def _section_text(page: Path, number: str) -> str | None:
    """The body of the ``## N.`` (or ``### N.``) section, or None when the page has no such heading."""
    text = page.read_text(encoding="utf-8")
    m = re.search(rf"^(#{{2,3}}) {number}\.\s.*$", text, flags=re.M)
    if not m:
        return None
    end = re.search(rf"^#{{2,{len(m.group(1))}}} ", text[m.end():], flags=re.M)
    return text[m.end():m.end() + end.start()] if end else text[m.end():]


def _resolves(page: Path, major: str, minor: str | None) -> bool:
    body = _section_text(page, major)
    if body is None:
        return False
    if minor is None:
        return True
    # §N.M: a "### N.M" heading, or item M of a numbered list inside section N
    text = page.read_text(encoding="utf-8")
    return bool(re.search(rf"^#{{2,4}} {major}\.{minor}\b", text, flags=re.M)
                or re.search(rf"^{minor}\. ", body, flags=re.M))


def _citations():
    """(where, page, major, minor) for every citation of a docs page."""
    for path in _cited_files():
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for m in CITATION.finditer(line):
                where = f"{path.relative_to(ROOT)}:{lineno}"
                tail = m.group(2)
                sections = [(a, b) for a, b in SECTION.findall(tail)]
                for lo, hi in RANGE.findall(tail):
                    sections += [(str(k), "") for k in range(int(lo), int(hi) + 1)]
                if not sections:
                    yield where, m.group(1), None, None
                for major, minor in sections:
                    yield where, m.group(1), major, minor or None


def test_every_docs_citation_resolves():
    citations = list(_citations())
    assert len(citations) > 20, "the scan found almost no citations: is the pattern still right?"
    broken = []
    for where, name, major, minor in citations:
        page = DOCS / f"{name}.md"
        if not page.is_file():
            broken.append(f"{where}: docs/{name}.md does not exist")
        elif major is not None and not _resolves(page, major, minor):
            section = major if minor is None else f"{major}.{minor}"
            broken.append(f"{where}: docs/{name}.md has no section {section} (a '## {major}.' heading"
                          + ("" if minor is None else f" with item {minor}.") + ")")
    assert not broken, "citations that do not resolve:\n" + "\n".join(sorted(set(broken)))


def test_citation_scan_sees_sections_ranges_and_items(tmp_path):
    # the scanner itself: a test that can fail
    tail = CITATION.search("see docs/hardware.md §1-§3, §9.6 and §6").group(2)
    assert SECTION.findall(tail) == [("1", ""), ("3", ""), ("9", "6"), ("6", "")]
    assert RANGE.findall(tail) == [("1", "3")]
    page = tmp_path / "x.md"
    page.write_text("# X\n\n## 9. What\n\n1. one\n2. two\n\n## 10. Next\n\n7. seven\n", encoding="utf-8")
    assert _resolves(page, "9", None) and _resolves(page, "9", "2") and _resolves(page, "10", None)
    assert not _resolves(page, "9", "7") and not _resolves(page, "11", None) and not _resolves(page, "1", None)


def test_no_bare_spec_citations():
    """Users have no patterns.md next to the code: citations must say docs/patterns.md (same numbers)."""
    bare = []
    for path in [*_python_files(), ROOT / "README.md"]:
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if BARE_SPEC.search(line):
                bare.append(f"{path.relative_to(ROOT)}:{lineno}: {line.strip()[:100]}")
    assert not bare, f"{len(bare)} citations without the docs/ prefix:\n" + "\n".join(bare)


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped (but - and _), spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_markdown_links_resolve():
    broken = []
    for page in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]:
        text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
        for target, anchor in LINK.findall(text):
            if "://" in target:
                continue
            dest = (page.parent / target).resolve()
            where = f"{page.relative_to(ROOT)} -> {target}{anchor}"
            if not dest.is_file():
                broken.append(f"{where}: no such file")
            elif anchor and anchor[1:] not in {_slug(h) for h in _headings(dest)}:
                broken.append(f"{where}: no heading with that anchor")
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_docs_never_point_users_at_the_private_spec():
    for page in DOCS.glob("*.md"):
        text = page.read_text(encoding="utf-8")
        assert "shared/spec" not in text and "/work/" not in text, page.name


def _resolve(dotted: str) -> bool:
    """Whether ``package.name.attr`` names something: attributes first, then submodules."""
    import importlib
    parts = dotted.split(".")
    obj = importlib.import_module(parts[0])
    for i, part in enumerate(parts[1:], 1):
        if hasattr(obj, part):
            obj = getattr(obj, part)
            continue
        if dataclasses.is_dataclass(obj) and part in {f.name for f in dataclasses.fields(obj)}:
            return i == len(parts) - 1          # a field without a class-level default
        try:
            obj = importlib.import_module(".".join(parts[:i + 1]))
        except ImportError:
            return False
    return True


def _named(packages: str) -> set[str]:
    """Every dotted name of one of ``packages`` (a regex alternation) written in backquotes in the docs, the README
    and bench/RESULTS.md (file names such as ``predefsparse.records/2`` or ``x.json`` left out)."""
    named = set()
    for page in [ROOT / "README.md", ROOT / "bench" / "RESULTS.md", *DOCS.glob("*.md")]:
        text = page.read_text(encoding="utf-8")
        named |= {name for name in re.findall(rf"`((?:{packages})(?:\.[A-Za-z_]\w*)+)", text)
                  if name.rsplit(".", 1)[-1] not in FILE_SUFFIXES}
    return named


def test_docs_name_only_what_adjmat_and_hwsim_have():
    """Every ``adjmat.x`` / ``hwsim.x.y`` the docs mention exists."""
    named = _named("adjmat|hwsim")
    assert len(named) > 20
    assert _resolve("hwsim.fixedpoint.quantize") and _resolve("hwsim.Report.traffic_per_input")
    assert not _resolve("adjmat.no_such_name") and not _resolve("hwsim.Report.traffic_per_input.x")
    missing = sorted(name for name in named if not _resolve(name))
    assert not missing, f"the docs name things the packages do not have: {missing}"


def test_docs_name_only_what_predefsparse_has():
    """Every ``predefsparse.x.y`` the docs mention exists (after the 0.3 moves: ``predefsparse.design`` is the
    job's function, its parts live in ``predefsparse.codesign``)."""
    named = _named("predefsparse")
    assert len(named) > 10
    assert not _resolve("predefsparse.no_such_name")
    missing = sorted(name for name in named if not _resolve(name))
    assert not missing, f"the docs name things predefsparse does not have: {missing}"


# ------------------------------------------------------------------------------------------ glossary
def _glossary() -> dict[str, str]:
    text = (DOCS / "glossary.md").read_text(encoding="utf-8")
    parts = re.split(r"^### (.+?)\s*$", text, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


def test_glossary_defines_every_term():
    entries = _glossary()
    missing = [t for t in GLOSSARY_TERMS if t not in entries]
    assert not missing, f"docs/glossary.md has no '### <term>' entry for {missing}"
    thin = [t for t in GLOSSARY_TERMS if len(entries[t].split()) < 12]
    assert not thin, f"glossary entries without a real definition: {thin}"


def _public_classes():
    import adjmat
    import hwsim
    return {"JunctionSpec": adjmat.JunctionSpec, "NetSpec": adjmat.NetSpec, "Pattern": adjmat.Pattern,
            "ClashReport": adjmat.ClashReport, "CheckReport": adjmat.CheckReport, "Kind": adjmat.Kind,
            "HardwareConfig": hwsim.HardwareConfig, "Report": hwsim.Report,
            "FunctionalResult": hwsim.FunctionalResult}


def _has(cls, name: str) -> bool:
    if hasattr(cls, name):
        return True
    return dataclasses.is_dataclass(cls) and name in {f.name for f in dataclasses.fields(cls)}


def test_glossary_code_spellings_exist():
    """Every ``Class.attribute`` the glossary names is an attribute (or field) of that public class."""
    classes = _public_classes()
    text = (DOCS / "glossary.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`(?:\w+\.)?(\w+)\.(\w+)\b", text))
    checked = [(c, a) for c, a in named if c in classes]
    assert len(checked) > 30
    missing = sorted(f"{c}.{a}" for c, a in checked if not _has(classes[c], a))
    assert not missing, f"docs/glossary.md names attributes the code does not have: {missing}"


def test_glossary_flags_exist():
    """Every ``--flag`` the glossary names is defined by one of the command-line modules."""
    cli = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "predefsparse" / "cli").glob("*.py")))
    text = (DOCS / "glossary.md").read_text(encoding="utf-8")
    flags = set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", text))
    assert len(flags) > 10
    missing = sorted(f for f in flags if f'"{f}"' not in cli)
    assert not missing, f"docs/glossary.md names flags no command defines: {missing}"


# ------------------------------------------------------------------------------------------ kinds
def _kinds_table() -> dict[str, list[str]]:
    text = (DOCS / "kinds.md").read_text(encoding="utf-8")
    section = text.split("## The built-in kinds", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 7 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = cells[1:]
    return rows


def test_kinds_table_matches_the_registry():
    import adjmat
    rows = _kinds_table()
    assert set(rows) == set(adjmat.kind_names()), "docs/kinds.md lists other kinds than the registry holds"

    def yes(value: bool) -> str:
        return "yes" if value else "no"

    def listed(items) -> str:
        return ", ".join(items) or "none"

    for name, cells in rows.items():
        kind = adjmat.get_kind(name)
        expected = [yes(kind.fixed_degrees), yes(kind.needs_z), yes(kind.hardware_faithful),
                    listed(f"`{s}`" for s in kind.sized_by),
                    listed(f"`{k}={v!r}`" for k, v in kind.options.items()), yes(kind.seeded)]
        assert cells == expected, f"docs/kinds.md row of {name!r}"


def test_kinds_worked_example_runs():
    import adjmat
    text = (DOCS / "kinds.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 1
    test = doctest.DocTestParser().get_doctest(blocks[0], {}, "docs/kinds.md", str(DOCS / "kinds.md"), 0)
    assert len(test.examples) > 10
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    out: list[str] = []
    try:
        runner.run(test, out=out.append)
    finally:
        if "rotated" in adjmat.kind_names():
            adjmat.unregister_kind("rotated")
    assert runner.failures == 0, "".join(out)
    assert "rotated" not in adjmat.kind_names()
