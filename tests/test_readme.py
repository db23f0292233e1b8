"""The README's Python examples (lines starting with >>>) run as doctests, so the front page cannot drift."""
import doctest
import os

README = os.path.join(os.path.dirname(__file__), os.pardir, "README.md")


def test_readme_examples():
    result = doctest.testfile(README, module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 10
    assert result.failed == 0
