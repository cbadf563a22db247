"""The roots of every error InvestMap raises on purpose.

Every exception class the project defines derives from :class:`InvestMapError`, so the two
places that turn errors into messages — the CLI (:func:`cli.main`) and the app
(:func:`ui.errors.show_error`) — recognise them *by class*, never by name::

    InvestMapError                       raised on purpose, message written for the user
    ├── DataError (also ValueError)      the input is wrong: a file, a setting, a value
    │   ├── ReadError, GuardError, EncodingError, GKError   readers (layers.formats)
    │   ├── ValidationError              validator (layers.validate)
    │   ├── ImportOptionError            import pipeline (layers.importing)
    │   ├── MissingLayerError (KeyError) county without a layer a command needs
    │   ├── PolicyError, ChainsError, SettingsError          policy sections
    │   ├── CRSError, BoundaryError      coordinate systems, compliance boundaries (geo)
    │   ├── ExportError, BasemapError, TileSourceError, ConfigError (users file)
    │   └── EditError (also StoreError)  an edit refused before anything was written
    │       └── PermissionDenied, TransitionError, NoChangeError, StaleVersionError,
    │           LoadRefused
    ├── StoreError                       a store cannot do what was asked (layers.store)
    ├── InstallError (also RuntimeError) the machine lacks a piece the install provides
    │   └── AssetError, FontNotFoundError, ChartFontError
    ├── AuthError                        a login or account operation refused (ui.auth)
    └── UserError                        a bad command line (cli.common)

Why here: ``geo/`` is the lowest layer of the Architecture table (geo < layers <
charts/exports/webmap/scale < ui/cli < app), and its own modules (``geo.crs``,
``geo.policy_checks``, ``geo.compliance``) raise these errors, so only this package can hold
the roots without an upward import. The module imports nothing from the project.

A leaf class stays in the module that raises it (callers import it from there); a new error
derives from :class:`DataError` when the user fixes it by changing input, else from the
closest root. ``tests/test_errors.py`` fails on a project exception without this root.
"""

from __future__ import annotations


class InvestMapError(Exception):
    """An error raised on purpose; its message names the file, row or setting and the fix."""


class DataError(InvestMapError, ValueError):
    """The input is wrong (a file, a policy setting, a value); the user fixes it there.

    Also a :class:`ValueError`, so code written against ``ValueError`` keeps working.
    """


class InstallError(InvestMapError, RuntimeError):
    """The machine lacks something the installation provides (fonts, offline map assets)."""
