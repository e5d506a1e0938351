"""What the package ships besides code: the license, the type marker."""

import os

import tlslite_tickets

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read(name):
    with open(os.path.join(ROOT, name), encoding="utf-8") as f:
        return f.read()


def test_license_file_is_the_one_setup_py_declares():
    assert 'license="LGPL-2.1-or-later"' in read("setup.py")
    text = read("LICENSE")
    assert text.lstrip().startswith("GNU LESSER GENERAL PUBLIC LICENSE")
    assert "Version 2.1, February 1999" in text


def test_type_hints_are_shipped():
    package = os.path.dirname(tlslite_tickets.__file__)
    assert os.path.isfile(os.path.join(package, "py.typed"))
    assert '"tlslite_tickets": ["py.typed"]' in read("setup.py")
