"""Exports for investors: self-contained HTML map, PDF brochure (推介手册, typeset by
WeasyPrint), PNG map, Excel lists and the static investor site (``investmap publish``).

Every export is investor-facing by default: only public registry columns reach it, and every
file is written atomically (temporary name, then rename). The CLI commands and the app's
export page call the same functions.

Importing the package registers the ``export`` policy section (:mod:`exports.settings`).
"""

from exports import settings as settings  # registers the "export" policy section
