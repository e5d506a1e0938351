"""The documentation in docs/ stays tied to the code and the tests.

Building it (``make docs``, warnings are errors) is part of ``make test``;
these checks need no Sphinx.
"""

import os
import re

import pytest

import tlslite_tickets as tt

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(ROOT, "docs")
CITATION = re.compile(r"unit_tests/(test_\w+\.py)::(test_\w+)")


def read(*parts):
    with open(os.path.join(ROOT, *parts), encoding="utf-8") as f:
        return f.read()


def pages():
    return sorted(name for name in os.listdir(DOCS) if name.endswith(".rst"))


def test_api_page_lists_every_public_name():
    api = read("docs", "api.rst")
    missing = [name for name in tt.__all__
               if not re.search(r"(::|^ {10}) ?" + re.escape(name) + "$",
                                api, re.M)]
    assert missing == []


@pytest.mark.parametrize("page", pages())
def test_cited_tests_exist(page):
    """A page names the test that guards each of its statements; the
    names must stay true when tests are renamed or removed."""
    cited = CITATION.findall(read("docs", page))
    for filename, test in cited:
        path = os.path.join(ROOT, "unit_tests", filename)
        assert os.path.exists(path), (page, filename)
        assert re.search(r"^\s*def {0}\(".format(test), read(path), re.M), \
            (page, filename, test)


def test_every_page_but_the_index_and_api_cites_tests():
    for page in pages():
        if page not in ("index.rst", "api.rst"):
            assert CITATION.search(read("docs", page)), page


def test_readme_sends_readers_to_the_docs_not_elsewhere():
    readme = read("README.md")
    assert "shared/ticket-spec.md" not in readme
    assert "docs/spec.rst" in readme


def test_readme_links_every_page_and_the_index_lists_them():
    """The README is the front door: each page of docs/ is one link away,
    and each is in the toctree (Sphinx would only warn about an orphan)."""
    readme = read("README.md")
    index = read("docs", "index.rst")
    for page in pages():
        if page != "index.rst":
            assert "(docs/{0})".format(page) in readme, page
            assert re.search(r"^   {0}$".format(page[:-len(".rst")]), index,
                             re.M), page
