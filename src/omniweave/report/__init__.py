"""What a run built, for people: the data card (``report.html``) and the document viewer."""

from omniweave.report.card import build_report, write_report, write_report_safely

__all__ = ["build_report", "write_report", "write_report_safely"]
