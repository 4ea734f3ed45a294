"""What a run built, for people: the data card (:mod:`.card`, ``report.html``) and the viewer (:mod:`.viewer`)."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def write_report_safely(root: str) -> str | None:
    """Write ``<root>/report.html`` at the end of a run; any error (even importing the card's
    dependencies) is logged, never raised, so a finished run never fails on its report."""
    try:
        from omniweave.report.card import write_report

        return write_report(root)
    except Exception:
        log.exception("report.html of %s not written", root)
        return None
