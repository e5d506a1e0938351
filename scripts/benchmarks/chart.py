"""``bench.png``: the five panels of the table as bar charts, drawn only
when matplotlib is importable.
"""

from .common import IMPL_TITLES, IMPLS


def plot(rows, path):
    """A PNG bar chart; returns False when matplotlib is not installed."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    colors = {"base": "#888888", "ours_pure": "#e08a2c",
              "ours_crypto": "#2c7be0"}
    panels = [
        ("1. ticket seal / open (us, log)", [1], True, IMPLS),
        ("2. server CPU per handshake (ms)", [2], False, IMPLS),
        ("3. reject unknown key name (us, log)", [3], True, IMPLS),
        ("4/5. resumed TLS 1.3 handshakes/s", [4], False, IMPLS),
        ("6. hostile ClientHello, server CPU (ms, log)", [6], True, IMPLS),
    ]
    fig, axes = plt.subplots(3, 2, figsize=(15, 14))
    axes.flat[-1].axis("off")  # five panels
    for ax, (title, parts, log, names) in zip(axes.flat, panels):
        items = [item for item in rows if item["part"] in parts]
        names = [name for name in names
                 if any(item["cells"][name].get("median") is not None
                        for item in items)]
        width = 0.8 / len(names)
        for offset, name in enumerate(names):
            xs, heights, lows, highs = [], [], [], []
            for x, item in enumerate(items):
                cell = item["cells"][name]
                if cell.get("median") is None:
                    continue
                xs.append(x + (offset - (len(names) - 1) / 2.0) * width)
                heights.append(cell["median"])
                lows.append(cell["median"] - cell["p10"])
                highs.append(cell["p90"] - cell["median"])
            label = IMPL_TITLES[name]
            if name == "base":
                label = "openssl s_server" if 4 in parts else \
                    "stock tlslite-ng"
            ax.bar(xs, heights, width, yerr=[lows, highs], capsize=2,
                   color=colors[name], label=label)
        ax.set_xticks(range(len(items)))
        ax.set_xticklabels([_label(item) for item in items], fontsize=8,
                           rotation=20 if 2 in parts else 0, ha="right"
                           if 2 in parts else "center")
        if log:
            ax.set_yscale("log")
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8)
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle("tlslite-tickets vs stock tlslite-ng vs openssl s_server "
                 "(median, bars p10-p90)", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True


def _label(item):
    parts = item["id"].split(".")
    if parts[0] == "hs":
        return "TLS {0}.{1} {2}".format(parts[1][3], parts[1][4],
                                        parts[2].replace("_", "-"))
    if parts[0] == "reject":
        return "{0} key{1}".format(parts[1], "s" if parts[1] != "1" else "")
    if parts[0] == "rate":
        return "{0} client(s)".format(parts[1][1:])
    if parts[0] == "hostile":
        return {"flood": "1-byte identities", "keyname": "~1,250 named",
                "big": "one 64 KiB"}.get(parts[1], parts[1])
    return item["id"]
