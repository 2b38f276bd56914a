#!/usr/bin/env python3
"""Renders a `tmux capture-pane -e` capture (text with ANSI colours) to a PNG with headless
Chromium, so terminal editors get a screenshot like the graphical ones. Usage: IN.ansi OUT.png"""
import html
import re
import subprocess
import sys
import tempfile

PALETTE = ["#000000", "#cd3131", "#0dbc79", "#e5e510", "#2472c8", "#bc3fbc", "#11a8cd", "#e5e5e5",
           "#666666", "#f14c4c", "#23d18b", "#f5f543", "#3b8eea", "#d670d6", "#29b8db", "#ffffff"]


def color(params, i):
    """Reads a 38/48 colour starting at params[i]; returns (css, next index)."""
    if params[i + 1] == 5 and i + 2 < len(params):
        n = params[i + 2]
        if n < 16:
            return PALETTE[n], i + 3
        if n < 232:
            n -= 16
            return "#%02x%02x%02x" % ((n // 36) * 51, (n // 6 % 6) * 51, (n % 6) * 51), i + 3
        g = 8 + (n - 232) * 10
        return "#%02x%02x%02x" % (g, g, g), i + 3
    if params[i + 1] == 2 and i + 4 < len(params):
        return "#%02x%02x%02x" % tuple(params[i + 2:i + 5]), i + 5
    return None, i + 2


def to_html(text):
    fg, bg, bold = None, None, False
    out = []
    for part in re.split(r"(\x1b\[[0-9;]*m)", text):
        m = re.fullmatch(r"\x1b\[([0-9;]*)m", part)
        if not m:
            style = (f"color:{fg};" if fg else "") + (f"background:{bg};" if bg else "") + ("font-weight:bold;" if bold else "")
            out.append(f'<span style="{style}">{html.escape(part)}</span>' if style else html.escape(part))
            continue
        params = [int(p) if p else 0 for p in m.group(1).split(";")] or [0]
        i = 0
        while i < len(params):
            p = params[i]
            if p == 0:
                fg, bg, bold = None, None, False
            elif p == 1:
                bold = True
            elif 30 <= p <= 37:
                fg = PALETTE[p - 30]
            elif 90 <= p <= 97:
                fg = PALETTE[p - 90 + 8]
            elif 40 <= p <= 47:
                bg = PALETTE[p - 40]
            elif p in (38, 48) and i + 1 < len(params):
                c, i = color(params, i)
                if p == 38:
                    fg = c
                else:
                    bg = c
                continue
            elif p == 39:
                fg = None
            elif p == 49:
                bg = None
            i += 1
    return "".join(out)


def main():
    src, dst = sys.argv[1], sys.argv[2]
    text = open(src, encoding="utf-8", errors="replace").read()
    rows = text.count("\n") + 1
    page = ('<html><body style="margin:0;background:#1e1e1e;color:#d4d4d4">'
            '<pre style="font:13px/1.25 \'DejaVu Sans Mono\',monospace;margin:8px">' + to_html(text) + "</pre></body></html>")
    with tempfile.NamedTemporaryFile("w", suffix=".html", delete=False) as f:
        f.write(page)
    height = int(rows * 16.5) + 24
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--hide-scrollbars", f"--window-size=1500,{height}", f"--screenshot={dst}", f.name],
                   check=True, capture_output=True, timeout=60)


if __name__ == "__main__":
    main()
