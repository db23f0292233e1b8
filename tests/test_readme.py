"""The README stays a front page that is true: its Python examples (lines starting with >>>) run as doctests, its
two commands keep the shape CI reads, and it and docs/ state the current model rather than a history of attempts."""
import doctest
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
VENV = "python3 -m venv .venv && . .venv/bin/activate && "
# phrases of a measurement diary: numbered sessions, rounds, lettered runs, counted pairs, issue numbers
HISTORY = re.compile(r"\b(?:first|second|third|fourth|fifth|sixth|previous|earlier) session\b|\bsession \d"
                     r"|\bround \d+|(?-i:\b[Rr]un [A-H]\b)|\b\d+ pairs\b|\bissues? \d+|\bissue's\b", re.I)


def _text() -> str:
    return README.read_text(encoding="utf-8")


def test_readme_examples():
    result = doctest.testfile(str(README), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 10
    assert result.failed == 0


def test_readme_is_a_front_page():
    lines = _text().splitlines()
    assert len(lines) <= 200, f"README.md has {len(lines)} lines; the front page holds at most 200"
    fences = [n for n, line in enumerate(lines, 1) if line.startswith("```")]
    assert len(fences) % 2 == 0, f"unbalanced code fences at lines {fences}"
    opened = [line for n, line in enumerate(lines) if line.startswith("```") and fences.index(n + 1) % 2 == 0]
    assert all(line != "```" for line in opened), "a code block opens without a language: a stray fence?"


def test_the_two_commands_keep_the_shape_ci_reads():
    """.ci/run takes the line ending in '# test suite', replaces the venv set-up and runs it; the main job's line
    installs the package alone."""
    lines = _text().splitlines()
    suite = [line for line in lines if line.endswith("# test suite")]
    main = [line for line in lines if line.endswith("# main job")]
    assert len(suite) == 1 and len(main) == 1
    assert suite[0].startswith(VENV) and " && python -m pytest" in suite[0]
    assert 'pip install -q -e ".[test,dist,jax]"' in suite[0]
    assert main[0].startswith(VENV) and main[0].split(" && ")[-1].split("#")[0].strip() == "predefsparse design"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "'# test suite$'" in ci and VENV.rstrip(" &") in ci


def test_install_advice_matches_the_package():
    """The extras the README names exist; the GPU advice is the one-command install and never the uninstall of a
    wheel that shares TensorFlow's folder; the browser test's chromium is named with how to get it."""
    text = _text()
    with open(ROOT / "pyproject.toml", "rb") as f:
        project = tomllib.load(f)["project"]
    extras = set(project["optional-dependencies"])
    named = {e for group in re.findall(r'-e "\.\[([a-z,]+)\]"', text) for e in group.split(",")}
    assert named and named <= extras, f"the README names extras pyproject.toml lacks: {sorted(named - extras)}"
    assert 'pip install -e ".[gpu]"' in text and "uninstall" not in text
    assert not any("tensorflow-cpu" in dep for dep in project["dependencies"])
    assert "apt-get install chromium" in text


def test_conventions_say_each_rule_once():
    section = _text().split("## Conventions", 1)[1].split("\n## ", 1)[0]
    bullets = [b.split(" ", 4)[:4] for b in re.split(r"^- ", section, flags=re.M)[1:]]
    assert len(bullets) >= 3
    assert len({tuple(b) for b in bullets}) == len(bullets), "two Conventions bullets start alike: a duplicate?"


def test_no_history_in_the_readme_and_docs():
    pages = [README, *sorted((ROOT / "docs").glob("*.md"))]
    found = [f"{page.relative_to(ROOT)}:{n}: {m.group(0)!r}" for page in pages
             for n, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1)
             for m in HISTORY.finditer(line)]
    assert not found, "the README and docs/ state the current model; history goes to bench/RESULTS.md or git:\n" \
        + "\n".join(found)
    assert HISTORY.search("measured in the fifth session") and HISTORY.search("(run H)")
    assert not HISTORY.search("a Ray session already open") and not HISTORY.search("run the test suite")
    assert not HISTORY.search("the points it was running: run a point again")
