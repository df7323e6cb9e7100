"""The build hook that puts the compiled gettext catalogs into the wheel.

Everything else about the package is in pyproject.toml. The ``.po`` files stay in the
top-level ``locales/`` (translators and tools/catalogs.py work there, and ``make compile``
writes each ``.mo`` next to its ``.po`` for the source tree). A wheel has no ``locales/``
beside the package, so ``build_py`` compiles every ``locales/<folder>/LC_MESSAGES/messages.po``
with Babel, as tools/catalogs.py does, to ``bot/locales/<folder>/LC_MESSAGES/messages.mo``
in the build directory: package data of the installed package, which bot/i18n.py reads
when the source tree's ``locales/`` is absent. The ``.po`` files are listed as sources, so
an sdist carries them and a wheel built from the sdist has its catalogs too. Editable
installs compile nothing: they read the source tree's ``locales/``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.errors import FileError

CATALOGS = Path("locales")  # relative to the project root, where every build runs
PO_GLOB = "*/LC_MESSAGES/messages.po"
PACKAGE_CATALOGS = ("bot", "locales")  # their place inside the package


def po_files() -> list[Path]:
    """Every catalog to compile; none at all is an error (a wheel that would speak English
    only, silently)."""
    found = sorted(CATALOGS.glob(PO_GLOB))
    if not found:
        msg = f"no {CATALOGS}/{PO_GLOB} to compile: build from the project root or its sdist"
        raise FileError(msg)
    return found


class BuildPyWithCatalogs(build_py):
    """``build_py`` that also compiles the catalogs into the package."""

    def _compiled(self) -> list[tuple[Path, Path]]:
        """Each ``.po`` with the ``.mo`` it becomes in the build directory."""
        target = Path(self.build_lib, *PACKAGE_CATALOGS)
        return [(po, target / po.relative_to(CATALOGS).with_suffix(".mo")) for po in po_files()]

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        for po, mo in self._compiled():
            self.announce(f"compiling {po} -> {mo}", level=logging.INFO)
            with po.open("rb") as fh:
                catalog = read_po(fh)
            mo.parent.mkdir(parents=True, exist_ok=True)
            with mo.open("wb") as fh:
                write_mo(fh, catalog)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = super().get_outputs(include_bytecode)
        if self.editable_mode:
            return outputs
        return [*outputs, *(str(mo) for _, mo in self._compiled())]

    def get_source_files(self) -> list[str]:
        return [*super().get_source_files(), *(str(po) for po in po_files())]


setup(cmdclass={"build_py": BuildPyWithCatalogs})
