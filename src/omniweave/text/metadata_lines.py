"""Patterns of page-metadata lines (dates, times, bylines), as regex sources to compile
case-insensitively: one home for the extractor's byline/dateline rule (:mod:`omniweave.extract.bylines`)
and the boilerplate filter's ``timestamp`` and ``byline`` rules (:mod:`omniweave.filters.boilerplate`)."""

from __future__ import annotations

# month names and their abbreviations in English, German and French (what follows the stem is free)
MONTH = r"(?:jan|feb|fév|mar|mär|apr|avr|may|mai|jun|jui|jul|aug|aoû|sep|oct|okt|nov|dec|déc|dez)[^\W\d_]*\.?"
DATE = (
    r"(?:\d{4}\s?[-/.年]\s?\d{1,2}\s?[-/.月]\s?\d{1,2}日?"  # 2022-01-20, 2022.01.20, 2022年1月20日
    r"|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}"  # 20.01.2022, 1/20/22
    rf"|{MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?(?:\s*\d{{4}})?"  # Jan 20, 2022; May 5th
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\.?\s+{MONTH},?(?:\s*\d{{4}})?"  # 20 January 2022, 20. Januar 2022
    r"|\d{1,2}月\d{1,2}日)"  # 1月20日
)
TIME = r"(?:\d{1,2}:\d{2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)?(?:\s*(?:utc|gmt|[ecmp][sd]t|bst|cet))?)"
# a whole line (whitespace collapsed) that names the author: "By Jane Doe, Staff", "Reviewed by ...",
# "Von Uta Helkenberg", "Author: ...", "责任编辑：王小明", "本报记者 王燕平", "文：眉间尺"
BYLINES = [
    r"^(by|written by|posted by|story by|words by|reporting by|text by|(medically )?reviewed by|fact[- ]checked by|"
    r"von|par|por|door)\s+"
    r"(?-i:[A-Z][\w.'’-]+(\s+([A-Z][\w.'’-]+|and|&|de|van|von|la))*)\s*([,|/·•–—-].{0,60})?$",
    r"^(author|authors|reporter|written by|posted by)\s*[:：]\s*\S.{0,80}$",
    r"^[(（]?(作者|记者|编辑|责任编辑|责编|来源|稿源|通讯员|撰文|文\s*[/／]|文(?=\s*[:：])|编者按)[:：\s/／]",
    r"^\S{0,10}(记者|通讯员|实习生)\s+\S",  # 本报记者 王燕平, 光明日报记者 王建宏
]
