"""mkdocs hooks: the pages' links to the repository's own files keep working in the built site.

The pages in ``docs/`` link to files beside them in the repository (``../seeds/facts.md``,
``../scenarios/uz_cn_2025.toml``, ``../notebooks/``), which are outside mkdocs' ``docs_dir``.
Rather than turning off mkdocs' link validation, these hooks put those files into the site under
``repo/`` and rewrite each ``](../X)`` link to ``](repo/X)``, so the strict build still checks that
every such link points at a file that exists. A link to a folder (``../seeds/``) goes to a generated
page listing the folder's files.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("seeds", "scenarios", "notebooks", "benchmarks", "sim")
"""Repository folders whose files the pages may link to."""
TOP_FILES = ("README.md", "CHANGELOG.md")
PREFIX = "repo"
_LINK = re.compile(r"\]\(([^)#\s]*)(#[^)\s]*)?\)")


def _listing(folder: str) -> str:
    rows = sorted(p.relative_to(ROOT / folder).as_posix() for p in _files(ROOT / folder))
    lines = [f"# `{folder}/`", "", f"The files of the repository's `{folder}/` folder.", ""]
    return "\n".join(lines + [f"- [`{name}`]({name})" for name in rows]) + "\n"


def _files(folder: Path) -> list[Path]:
    return [p for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")]


def _not_in_nav():  # noqa: ANN202
    from mkdocs.structure.files import InclusionLevel

    return InclusionLevel.NOT_IN_NAV


def on_files(files: Files, config) -> Files:  # noqa: ANN001 - mkdocs' hook signature
    """Add the repository files the pages link to, under ``repo/``, and a listing page for each folder without a README."""
    for folder in FOLDERS:
        for path in _files(ROOT / folder):
            name = f"{PREFIX}/{path.relative_to(ROOT).as_posix()}"
            files.append(File.generated(config, name, abs_src_path=str(path), inclusion=_not_in_nav()))
        if not (ROOT / folder / "README.md").exists():
            files.append(File.generated(config, f"{PREFIX}/{folder}/index.md", content=_listing(folder), inclusion=_not_in_nav()))
    files.append(File.generated(config, "index.md", abs_src_path=str(ROOT / "README.md")))  # the front door is the home page
    for top in TOP_FILES:
        files.append(File.generated(config, f"{PREFIX}/{top}", abs_src_path=str(ROOT / top), inclusion=_not_in_nav()))
    return files


def _site_uri(real: Path) -> str | None:
    """Where the repository file or folder ``real`` is in the site; None outside the repository."""
    try:
        inside_docs = real.relative_to(ROOT / "docs")
    except ValueError:
        inside_docs = None
    if inside_docs is not None:
        return inside_docs.as_posix()
    try:
        rel = real.relative_to(ROOT)
    except ValueError:
        return None
    if real.is_dir():
        page = "README.md" if (real / "README.md").exists() else "index.md"
        return f"{PREFIX}/{rel.as_posix()}/{page}"
    return f"{PREFIX}/{rel.as_posix()}"


def on_page_markdown(markdown: str, page, config, files) -> str:  # noqa: ANN001 - mkdocs' hook signature
    """Rewrite each relative link as the repository reads it (from the page's own folder) to where its target is in the site."""
    uri = page.file.src_uri
    if uri == "index.md":
        real_dir = ROOT
    elif uri.startswith(f"{PREFIX}/"):
        real_dir = (ROOT / uri[len(PREFIX) + 1 :]).parent
    else:
        real_dir = (ROOT / "docs" / uri).parent
    site_dir = posixpath.dirname(uri)

    def rewrite(match: re.Match[str]) -> str:
        target, anchor = match.group(1), match.group(2) or ""
        if not target or "://" in target or target.startswith(("mailto:", "/")):
            return match.group(0)
        where = _site_uri((real_dir / target).resolve())
        if where is None:
            return match.group(0)
        return f"]({posixpath.relpath(where, site_dir or '.')}{anchor})"

    return _LINK.sub(rewrite, markdown)
