"""No traceback reaches a visitor: a short message in the page, the details in the server log.

``.streamlit/config.toml`` sets ``client.showErrorDetails = "none"`` so Streamlit itself never
shows exception details; :func:`guarded` runs a page and turns any error into a short
message (session language) with a reference number, and logs the full traceback under that number.
Staff see the error's own text too (it names the file, row and fix for data errors); investors
only the reference.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

from geo.errors import DataError, InvestMapError
from layers.store.errors import StoreError
from ui.auth import is_staff
from ui.i18n import pick

log = logging.getLogger("investmap.app")

DATA_ERRORS: tuple[type[InvestMapError], ...] = (DataError, StoreError)
"""Errors that mean the county data or its store is broken (not the program): every
:class:`geo.errors.DataError` (files, validation, policy …) and every store error."""


def guarded(run: Callable[[], object], *, where: str) -> None:
    """Run ``run`` (a page); on an exception show a short message and log it server-side.

    Streamlit's own control flow (``st.stop``, ``st.rerun``) passes through unchanged.
    """
    try:
        run()
    except ScriptControlException:
        raise
    except Exception as exc:  # noqa: BLE001 - the last line of defence of every page
        show_error(exc, where=where)


def show_error(exc: Exception, *, where: str) -> str:
    """Log ``exc`` with a new reference and show the visitor a short message; return the ref."""
    ref = uuid.uuid4().hex[:8]
    log.error("page %s failed [ref %s]", where, ref, exc_info=exc)
    if isinstance(exc, DATA_ERRORS):
        st.error(pick((f"数据有误，暂时无法显示此页（编号 {ref}），请联系管理员。",
                       f"The county data has an error and this page cannot be shown (ref "
                       f"{ref}); please tell the administrator.")))
    else:
        st.error(pick((f"出现错误，请稍后再试（编号 {ref}）。",
                       f"Something went wrong; please try again later (ref {ref}).")))
    if is_staff():
        st.text(str(exc).splitlines()[0][:500] if str(exc) else type(exc).__name__)
    return ref
