"""Sphinx settings for the tlslite-tickets documentation (``make docs``)."""

import os
import sys

# the package from this checkout, whatever is installed
sys.path.insert(0, os.path.abspath(".."))

import tlslite_tickets  # noqa: E402

project = "tlslite-tickets"
author = "the tlslite-tickets developers"
copyright = "the tlslite-tickets developers; LGPL-2.1-or-later"
version = release = tlslite_tickets.__version__

extensions = ["sphinx.ext.autodoc"]
# the pages are reStructuredText; the tutorial's outputs are literal blocks
source_suffix = {".rst": "restructuredtext"}
exclude_patterns = ["_build"]
html_theme = "furo"
html_title = "tlslite-tickets " + release

autodoc_member_order = "bysource"
autodoc_typehints = "description"
