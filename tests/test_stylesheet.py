"""Tailwind's classes are compiled at build time into ui/static/tailwind.css (scripts/build-css.sh).

The committed stylesheet must be exactly what the pinned Tailwind CLI makes of the classes in
ui/ today: a class added to a page without rebuilding would otherwise style nothing.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import unavailable
from ui.theme import TAILWIND_CSS

ROOT = Path(__file__).resolve().parents[1]
CLI = ROOT / "node_modules" / ".bin" / "tailwindcss"
INPUT = ROOT / "ui" / "styles" / "tailwind.css"


def compile_css(input_css: Path, output: Path) -> str:
    if not CLI.exists():
        unavailable("The Tailwind CLI", "run scripts/ensure-audit-tools.sh (./test.sh does)")
    done = subprocess.run(
        [str(CLI), "--input", str(input_css), "--output", str(output), "--minify"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return output.read_text()


def test_the_committed_stylesheet_is_what_ui_compiles_to(tmp_path):
    fresh = compile_css(INPUT, tmp_path / "tailwind.css")
    assert fresh == TAILWIND_CSS.read_text(), (
        "ui/static/tailwind.css is out of date with the classes in ui/: run scripts/build-css.sh"
    )


@pytest.mark.parametrize(
    "classes",
    [
        "bg-slate-900 text-white",  # the header
        "min-h-[56px] max-w-[9rem] sm:max-w-xs",  # arbitrary values and breakpoints
        "sm:grid-cols-2 lg:grid-cols-3",  # the selector's columns
        "text-green-900 bg-green-100",  # a verdict, whose classes live in a table
    ],
)
def test_classes_written_in_python_are_in_the_stylesheet(classes):
    css = TAILWIND_CSS.read_text()
    for name in classes.split():
        escaped = name.replace("[", r"\[").replace("]", r"\]").replace(":", r"\:")
        assert f".{escaped}{{" in css or f".{escaped}:" in css, name


def test_a_class_only_in_a_new_file_needs_a_rebuild(tmp_path):
    """The check above can fail: a class nobody used before is missing until compiled."""
    css = TAILWIND_CSS.read_text()
    assert r".bg-lime-300{" not in css
    source = tmp_path / "ui"
    source.mkdir()
    (source / "new_tab.py").write_text('ui.label("x").classes("bg-lime-300")\n')
    (tmp_path / "input.css").write_text(
        f'@import "{ROOT / "node_modules" / "tailwindcss" / "index.css"}" source(none);\n'
        '@source "./ui";\n'
    )
    assert r".bg-lime-300{" in compile_css(tmp_path / "input.css", tmp_path / "out.css")
