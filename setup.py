"""Packaging for tlslite-tickets."""

from setuptools import find_packages, setup

setup(
    name="tlslite-tickets",
    version="0.1.0",
    description="OpenSSL-style session-ticket callbacks, appdata and key "
                "control for tlslite-ng servers",
    long_description=open("README.md").read(),
    long_description_content_type="text/markdown",
    license="LGPL-2.1-or-later",
    packages=find_packages(include=["tlslite_tickets", "tlslite_tickets.*"]),
    package_data={"tlslite_tickets": ["py.typed"]},  # PEP 561: typed
    python_requires=">=3.9",
    install_requires=["tlslite-ng>=0.8.2,<0.9.1", "ecdsa>=0.18"],
    extras_require={
        "fast": ["cryptography>=3.4"],
        "redis": ["redis>=4.2"],
        "test": ["pytest", "coverage", "hypothesis", "redis>=4.2"],
    },
    entry_points={"console_scripts": [
        "tlslite-tickets=tlslite_tickets.__main__:main",
    ]},
    classifiers=[
        "Programming Language :: Python :: 3",
        "Topic :: Security :: Cryptography",
    ],
)
