"""Self-contained report pages: one HTML file (inline CSS, figures as PNG data URIs, no network, no JavaScript)
and the same content as Markdown with the figures beside it (docs/design.md §5).

A :class:`Page` is a list of blocks -- headings, paragraphs, tables, figures -- written in order.  The design
report (:func:`predefsparse.codesign.design`) and the sweep report use it.  Table cells may carry the exact value
they display (``Cell``), written as ``data-value`` so a reader program (or the browser test) can compare the
page with the JSON it was made from.

Examples
--------
>>> page = Page("Demo")
>>> _ = page.heading("Numbers").table(["kind", "accuracy"], [["fc", Cell("97.80 %", 0.978)]])
>>> "data-value=\\"0.978\\"" in page.to_html()
True
>>> print(page.to_markdown().splitlines()[0])
# Demo
"""
from __future__ import annotations

import base64
import html
import io
import os
from dataclasses import dataclass
from typing import Any, Sequence

from adjmat.validation import fail
from adjmat.pattern import atomic_write

__all__ = ["Page", "Cell", "figure_png"]

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2em auto; max-width: 72em;
       padding: 0 1.5em; color: #1d1d1f; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
h2 { font-size: 1.3em; margin-top: 1.8em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
h3 { font-size: 1.1em; margin-top: 1.4em; }
p.subtitle { color: #555; margin-top: 0; }
p.note { color: #444; font-size: 0.92em; }
p.answer { font-size: 1.1em; background: #eef6ee; border-left: 4px solid #3a8a3a; padding: 0.6em 0.9em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; }
p.caption { color: #444; font-size: 0.92em; margin: 1em 0 0.3em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; }
th { background: #f2f2f2; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.best td { background: #eef6ee; font-weight: 600; }
figure { margin: 1em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #444; font-size: 0.9em; }
code { background: #f4f4f4; padding: 0 0.2em; }
"""


@dataclass(frozen=True)
class Cell:
    """A table cell: the text shown and, optionally, the exact value it shows (``data-value`` in HTML).

    Examples
    --------
    >>> Cell("1.5 k", 1500).value
    1500
    """

    text: str
    value: Any = None


def figure_png(fig, dpi: int = 100) -> bytes:
    """A matplotlib figure as PNG bytes (closes nothing; the caller owns the figure).

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig = plt.figure(figsize=(1, 1)); data = figure_png(fig); plt.close(fig)
    >>> data[:4]
    b'\\x89PNG'
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return buf.getvalue()


class Page:
    """A report page built block by block; every adder returns the page, so calls chain.

    Parameters
    ----------
    title : str
        The page title (``<h1>`` and ``<title>``).
    subtitle : str, optional
        One line under the title.

    Examples
    --------
    >>> page = Page("Report", "one line").paragraph("text & more")
    >>> "text &amp; more" in page.to_html()
    True
    """

    def __init__(self, title: str, subtitle: str | None = None):
        if not isinstance(title, str) or not title:
            raise fail("Page", "title", "a non-empty string", title)
        self.title, self.subtitle = title, subtitle
        self.blocks: list[tuple[str, Any]] = []

    # ----------------------------------------------------------------------------------------- building
    def heading(self, text: str, level: int = 2) -> "Page":
        """Add a heading of ``level`` 2 (section) or 3 (subsection).

        Examples
        --------
        >>> "<h3" in Page("t").heading("a", 3).to_html()
        True
        """
        if level not in (2, 3):
            raise fail("Page.heading", "level", "2 or 3", level)
        self.blocks.append(("heading", (str(text), level)))
        return self

    def paragraph(self, text: str, style: str | None = None) -> "Page":
        """Add a paragraph of plain text (escaped); ``style`` is a CSS class: ``"note"`` or ``"answer"``.

        Examples
        --------
        >>> 'class="answer"' in Page("t").paragraph("x", style="answer").to_html()
        True
        """
        if style not in (None, "note", "answer"):
            raise fail("Page.paragraph", "style", "None, 'note' or 'answer'", style)
        self.blocks.append(("paragraph", (str(text), style)))
        return self

    def table(self, header: Sequence[str], rows: Sequence[Sequence[Any]], caption: str | None = None,
              table_id: str | None = None, highlight: Sequence[int] = ()) -> "Page":
        """Add a table: ``header`` names, ``rows`` of cells (str, number or :class:`Cell`).

        Numbers and cells with a numeric value are right-aligned; rows whose index is in ``highlight`` are
        marked (``class="best"``).

        Examples
        --------
        >>> text = Page("t").table(["a", "b"], [[1, "x"]], caption="c", table_id="tab").to_html()
        >>> 'id="tab"' in text and '<p class="caption">c</p>' in text
        True
        """
        header = [str(h) for h in header]
        rows = [list(r) for r in rows]
        for i, r in enumerate(rows):
            if len(r) != len(header):
                raise fail("Page.table", "rows", f"rows of {len(header)} cells (one per header name)",
                           f"row {i} with {len(r)} cells")
        self.blocks.append(("table", (header, rows, caption, table_id, set(highlight))))
        return self

    def figure(self, image: Any, caption: str, name: str) -> "Page":
        """Add a figure: a matplotlib figure or PNG bytes, with a caption; ``name`` (letters, digits, ``-_``)
        names its file beside the Markdown page.

        Examples
        --------
        >>> import matplotlib; matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt
        >>> fig = plt.figure(figsize=(1, 1)); page = Page("t").figure(fig, "empty", "f1"); plt.close(fig)
        >>> "data:image/png;base64," in page.to_html()
        True
        """
        if not isinstance(name, str) or not name or not all(c.isalnum() or c in "-_" for c in name):
            raise fail("Page.figure", "name", "letters, digits, '-' and '_' only", name)
        data = image if isinstance(image, (bytes, bytearray)) else figure_png(image)
        if bytes(data[:4]) != b"\x89PNG":
            raise fail("Page.figure", "image", "a matplotlib figure or PNG bytes", type(image).__name__)
        self.blocks.append(("figure", (bytes(data), str(caption), name)))
        return self

    # ------------------------------------------------------------------------------------------ writing
    def to_html(self) -> str:
        """The whole page as one self-contained HTML document.

        Examples
        --------
        >>> Page("t").to_html().startswith("<!DOCTYPE html>")
        True
        """
        e = html.escape
        out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
               '<meta name="viewport" content="width=device-width, initial-scale=1">',
               f"<title>{e(self.title)}</title>", f"<style>{_CSS}</style>", "</head>", "<body>",
               f"<h1>{e(self.title)}</h1>"]
        if self.subtitle:
            out.append(f'<p class="subtitle">{e(self.subtitle)}</p>')
        for kind, item in self.blocks:
            if kind == "heading":
                text, level = item
                out.append(f"<h{level}>{e(text)}</h{level}>")
            elif kind == "paragraph":
                text, style = item
                out.append(f'<p class="{style}">{e(text)}</p>' if style else f"<p>{e(text)}</p>")
            elif kind == "table":
                out.append(_html_table(*item))
            else:
                data, caption, name = item
                uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
                out.append(f'<figure id="fig-{e(name)}"><img src="{uri}" alt="{e(caption)}">'
                           f"<figcaption>{e(caption)}</figcaption></figure>")
        out += ["</body>", "</html>", ""]
        return "\n".join(out)

    def to_markdown(self, figure_folder: str = "figures") -> str:
        """The page as Markdown; figures are linked as ``<figure_folder>/<name>.png`` (see :meth:`save`).

        Examples
        --------
        >>> print(Page("t").table(["a"], [[1]]).to_markdown())
        # t
        <BLANKLINE>
        | a |
        |---|
        | 1 |
        <BLANKLINE>
        """
        out = [f"# {self.title}", ""]
        if self.subtitle:
            out += [f"*{self.subtitle}*", ""]
        for kind, item in self.blocks:
            if kind == "heading":
                text, level = item
                out += ["#" * level + " " + text, ""]
            elif kind == "paragraph":
                text, style = item
                out += [f"**{text}**" if style == "answer" else text, ""]
            elif kind == "table":
                header, rows, caption, _, highlight = item
                if caption:
                    out += [f"*{caption}*", ""]
                out.append("| " + " | ".join(header) + " |")
                out.append("|" + "|".join("---" for _ in header) + "|")
                for i, r in enumerate(rows):
                    cells = [_text(c).replace("|", "\\|") for c in r]
                    if i in highlight:  # marked rows in bold, as the HTML marks them
                        cells = [f"**{c}**" if c else c for c in cells]
                    out.append("| " + " | ".join(cells) + " |")
                out.append("")
            else:
                _, caption, name = item
                out += [f"![{caption}]({figure_folder}/{name}.png)", "", f"*{caption}*", ""]
        return "\n".join(out)

    def save(self, folder: str | os.PathLike, name: str = "report") -> dict[str, str]:
        """Write ``<folder>/<name>.html``, ``<folder>/<name>.md`` and the figures as
        ``<folder>/figures/<figure name>.png`` (all atomically).  Returns the paths by role.

        Examples
        --------
        >>> import tempfile
        >>> paths = Page("t").paragraph("hello").save(tempfile.mkdtemp())
        >>> sorted(paths)
        ['html', 'markdown']
        """
        folder = os.fspath(folder)
        os.makedirs(folder, exist_ok=True)
        figures = [item for kind, item in self.blocks if kind == "figure"]
        if figures:
            os.makedirs(os.path.join(folder, "figures"), exist_ok=True)
        for data, _, fig_name in figures:
            atomic_write(os.path.join(folder, "figures", f"{fig_name}.png"), lambda f, d=data: f.write(d))
        html_text, md_text = self.to_html().encode("utf-8"), self.to_markdown().encode("utf-8")
        return {"html": atomic_write(os.path.join(folder, f"{name}.html"), lambda f: f.write(html_text)),
                "markdown": atomic_write(os.path.join(folder, f"{name}.md"), lambda f: f.write(md_text))}


def _text(cell: Any) -> str:
    if isinstance(cell, Cell):
        return cell.text
    if isinstance(cell, float):
        return f"{cell:.4g}"
    return str(cell)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _html_table(header, rows, caption, table_id, highlight) -> str:
    e = html.escape
    out = [f'<p class="caption">{e(caption)}</p>'] if caption else []
    out.append(f'<table id="{e(table_id)}">' if table_id else "<table>")
    out.append("<thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in header) + "</tr></thead><tbody>")
    for i, r in enumerate(rows):
        cells = []
        for c in r:
            value = c.value if isinstance(c, Cell) else (c if _is_number(c) else None)
            attrs = ' class="num"' if _is_number(value) else ""
            if value is not None:
                attrs += f' data-value="{e(repr(value) if isinstance(value, float) else str(value))}"'
            cells.append(f"<td{attrs}>{e(_text(c))}</td>")
        out.append(('<tr class="best">' if i in highlight else "<tr>") + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)
