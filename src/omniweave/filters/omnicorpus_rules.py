"""OmniCorpus's released paragraph rules ("detailed text filtering with human feedback"), in English
and Chinese: the patterns and tests of each named rule, with no step machinery.

Headings are structure in omniweave's documents (OmniCorpus has none): the rules that judge a
paragraph by its shortness alone (``one_word``, ``too_short``, ``image_caption``, the
under-10-characters part of ``header_footer``) leave them to ``heading_only``.

A rule sees a document's paragraphs at once (:class:`~omniweave.filters.paras.Paras`: their
collapsed texts and kinds, and arrays of what they measure: words from each node's shared :mod:`analysis <omniweave.text.analysis>`,
letters, digits, whether mostly CJK, which pattern literals they hold) and the thresholds of
:class:`RuleParams`; it answers with a mask, True for each paragraph to remove. Where omniweave already had
the same idea (``boilerplate.RULES``: social counters, ad markers, citations, bylines, timestamps,
photo credits) the pattern lives there and is reused here. ``docs/RULES.md`` maps each rule to the
released one.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
from pydantic import Field

from omniweave.filters.boilerplate import RULES as BOILERPLATE
from omniweave.filters.paras import Mask, Paras
from omniweave.pipeline.step import StepParams
from omniweave.text.patterns import AnyPattern


def _any(*patterns: str) -> AnyPattern:
    return AnyPattern(*patterns)


DOWNLOAD_LINK = _any(
    r"\bfor details on the\b", r"\bthe link is\b", r"\bdownload link\b", r"\bclick (on )?(the|this) link\b",
    r"\b(click|tap) here to download\b", r"\bdownload (it |the file |the pdf )?(here|now|below)\b",
    r"下载链接|下载地址|点击下载|网盘链接|提取码|详情请(见|点击|访问|查看)|链接[:：]\s*https?://",
)
SOURCE_REFERENCE = _any(
    r"^(special thanks|published by|all photo credits and copyright|originally (published|appeared)|"
    r"this (article|story|post) (was|is|first) (originally )?(published|appeared))\b",
    r"\((cf\.|see) [^()]{1,80}\)[.\s]*$",  # a trailing (cf. ...)
    r"\((?-i:[A-Z])[^()]{0,60},\s*(1[89]|20)\d{2}[a-z]?\)[.\s]*$",  # a trailing (Name, 2019)
    r"^(特别鸣谢|特别感谢|本文来源|文章来源|原文来源|本文转载自|转载自|原文链接|出品[:：]|供稿[:：]|来源[:：])",
)
SOCIAL_COUNTER = _any(
    *BOILERPLATE["social_counter"],
    r"\b\d[\d,.]*\s*[km]?\s+(likes?|shares?|comments?|views?|retweets?|reactions?|followers?|upvotes?|replies)\b",
    r"\d[\d,.]*\s*[万千]?\s*(人点赞|人赞|次点赞|条评论|次转发|人收藏|次阅读|人阅读|次浏览|人在看)",
)
CALL_TO_ACTION = _any(
    r"\b(sign in|sign up|read more|items? in (your )?cart|log ?in|add to (cart|basket|bag)|buy now|shop now|"
    r"create an account|my account|forgot (your )?password|register now|subscribe now|start (your )?free trial)\b",
    r"登录|注册|阅读全文|阅读更多|加入购物车|购物车|立即购买|立即下载|我的账户|忘记密码",
)
COMMENT_MARKER = _any(
    r"^(\d+\s+)?(comments?|leave a (comment|reply)|post a comment|add (a )?comment|write a comment|reply|replies|"
    r"view (all )?\d*\s*comments?|(show|hide|load more) comments|join the discussion|comment policy|"
    r"be the first to comment|no comments( yet)?|comments are closed|log in to (comment|reply)|report abuse)\b",
    r"^(发表评论|我要评论|网友评论|评论区|查看评论|全部评论|热门评论|最新评论|暂无评论|回复|登录后(才能)?评论)",
    r"^\d+\s*条评论",
)
HEADER_FOOTER = _any(
    r"all rights reserved|\bcopyright\b|©|privacy policy|terms (of use|of service|and conditions)|cookie policy|"
    r"\bcontact us\b|\babout us\b|\bsite ?map\b|back to top|skip to (main )?content|\bpowered by\b",
    r"版权所有|icp备|公网安备|联系我们|关于我们|网站地图|免责声明|隐私政策|友情链接|技术支持[:：]|主办单位|承办单位",
)
EMAIL = _any(r"[\w.+-]+@[\w-]+(\.[\w-]+)*\.[a-z]{2,}")
PHONE = _any(  # a + or an (area code) in front, or dash-separated groups: "2019 2020 2021" is no phone
    r"(?<![\w+])\+\d{1,3}[\s.-]?(\(\d{1,4}\)[\s.-]?)?\d{2,4}[\s.-]?\d{3,4}([\s.-]?\d{2,4})?(?!\d)",
    r"(?<!\w)\(\d{2,4}\)\s?\d{3,4}[\s.-]\d{3,4}(?!\d)",
    r"(?<![\w.-])\d{2,4}-\d{3,4}-\d{3,4}(?![\w.-])",
    r"(?<!\d)(0\d{2,3}-\d{7,8}|1[3-9]\d{9}|400-?\d{3}-?\d{4})(?!\d)",
    r"(电话|传真|热线|手机|tel|phone|fax)\s*[:：]\s*\+?[\d(]",
)
README = _any(
    r"\breadme\b|\bread me first\b|^instructions?\s*:|\bhow to use this (template|page|site)\b|installation instructions",
    r"please (enable|turn on) javascript|javascript (is )?(disabled|required)|enable javascript|"
    r"your browser (does not|doesn't) support|(update|upgrade) your browser|best viewed (in|with)|"
    r"to view this (video|content)|if you are having trouble (viewing|seeing)",
    r"您的浏览器(不支持|版本过低)|请(启用|开启)\s*javascript|使用说明|操作说明|温馨提示[:：]|阅读须知|建议使用.{0,10}浏览器",
)
BARE_URL = re.compile(r"^[<(\[]?(https?://|www\.)\S+[>)\]]?$|^[\w-]+(\.[\w-]+)*\.(com|org|net|gov|edu|io|cn|co\.uk)(/\S*)?$",
                      re.IGNORECASE)
IMAGE_CAPTION = _any(
    r"\b(getty|photos?|photograph|images?|pictures?|pic|source|download|credits?|courtesy|shutterstock|istock|"
    r"reuters|afp|alamy|illustration|screenshot)\b",
    r"图片|图源|配图|截图|摄影|视觉中国|东方IC|供图|图\s*[/／]",
)
ADVERTISEMENT = _any(
    *BOILERPLATE["ad_marker"],
    r"^(advertise with us|advertisement feature|sponsored by\b.{0,60}|ad choices|adchoices)$",
)
CITATION = _any(
    *BOILERPLATE["citation"],
    r"^\d{1,3}\.\s+(?-i:[A-Z])[\w'’-]+,\s+(?-i:[A-Z])",  # 1. Smith, J. ...
    r"\bet al\.?,?\s.{0,120}\b(1[89]|20)\d{2}\b", r"\barchived from the original\b",
    r"引用日期|^\[\d+\]|^［\d+］",
)
SOCIAL_HANDLE = _any(
    r"^@\w{2,}", r"^(follow|like|find|join|connect with)\s+(us|me|@\w+)\b",
    r"^(share|tweet|pin|email) (this|it)\b", r"\b(follow|find) (us|me) on\b",
    r"扫码关注|扫描二维码|长按(识别)?二维码|关注(我们的)?(微信)?公众号|点击(上方|下方|蓝字)关注|阅读原文|微信号[:：]|公众号[:：]|"
    r"点个?(赞|在看)|分享给朋友|转发到朋友圈",
)
PHONE_AUTHOR_TIME = _any(*BOILERPLATE["byline"], *BOILERPLATE["timestamp"])
PHONE_ONLY = re.compile(r"^[\s\d()+.\-–/]{7,}$")


Rule = Callable[["Paras", "RuleParams"], Mask]


def _ratio(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """``part / whole`` per paragraph, 0 where ``whole`` is 0."""
    return np.divide(part, whole, out=np.zeros(len(part)), where=whole > 0)


class RuleParams(StepParams):
    """Each rule's thresholds (released values by default); ``null`` switches a rule off."""

    download_link_max_words: int | None = Field(40, ge=1, description="download-link phrases in paragraphs this short")
    source_reference_max_words: int | None = Field(25, ge=1)
    uppercase_max_ratio: float | None = Field(0.8, ge=0, le=1, description="capitals' share of letters")
    uppercase_min_letters: int = Field(8, ge=1, description="judge only paragraphs with this many capitals")
    numeric_max_ratio: float | None = Field(0.8, ge=0, le=1, description="digit share of non-space characters")
    social_counter_max_words: int | None = Field(10, ge=1)
    one_word_max_words: int | None = Field(1, ge=1)
    call_to_action_max_words: int | None = Field(10, ge=1)
    flagged_max_ratio: float | None = Field(0.02, ge=0, le=1, description="removed at or above this share")
    comment_marker_max_words: int | None = Field(10, ge=1)
    header_footer_max_words: int | None = Field(30, ge=1, description="keywords, e-mails, phones this short")
    header_footer_min_chars: int | None = Field(10, ge=1, description="shorter text goes (space-separated scripts)")
    header_footer_min_chars_cjk: int | None = Field(5, ge=1, description="the same for mostly-CJK text")
    heading_run: int | None = Field(3, ge=2, description="this many headings in a row without text go")
    readme_max_words: int | None = Field(30, ge=1)
    bare_url: bool = True
    image_caption_max_words: int | None = Field(7, ge=1, description="< 8 words with getty/photo/source/...")
    advertisement_max_words: int | None = Field(12, ge=1)
    merge_max_words: int | None = Field(4, ge=1, description="fragments this short are merged into the next")
    too_short_max_words: int | None = Field(4, ge=0)
    aberrant_min_words: int = Field(5, ge=1)
    aberrant_max_short_ratio: float | None = Field(0.5, ge=0, le=1, description="share of words <= 2 chars")
    citation_max_words: int | None = Field(80, ge=1)
    social_handle_max_words: int | None = Field(20, ge=1)
    phone_author_time_max_words: int | None = Field(30, ge=1)


# rule -> the RuleParams field of its word limit: a longer paragraph (or a null limit) never fires it,
# so the step does not even ask (the rule checks it too, for direct calls)
SHORT_ONLY: dict[str, str] = {}


def short_only(field: str) -> Callable[[Rule], Rule]:
    """Mark a rule that judges only paragraphs of at most ``RuleParams.<field>`` words."""
    def mark(rule: Rule) -> Rule:
        SHORT_ONLY[rule.__name__] = field
        return rule
    return mark


@short_only("download_link_max_words")
def download_link(p: Paras, r: RuleParams) -> Mask:
    return p.short(r.download_link_max_words) & p.has(DOWNLOAD_LINK)


@short_only("source_reference_max_words")
def source_reference(p: Paras, r: RuleParams) -> Mask:
    return p.short(r.source_reference_max_words) & p.has(SOURCE_REFERENCE)


def uppercase(p: Paras, r: RuleParams) -> Mask:
    if r.uppercase_max_ratio is None:
        return p.none()
    upper = p.counts["upper"]
    letters = p.counts["letter"]  # caseless CJK letters count: "SK-II" in Chinese text is no shouting
    return (upper >= r.uppercase_min_letters) & (_ratio(upper, letters) > r.uppercase_max_ratio)


def numeric(p: Paras, r: RuleParams) -> Mask:
    if r.numeric_max_ratio is None:
        return p.none()
    chars = p.chars - p.counts["space"]  # the text's whitespace is collapsed to single spaces
    return _ratio(p.counts["digit"], chars) > r.numeric_max_ratio


@short_only("social_counter_max_words")
def social_counter(p: Paras, r: RuleParams) -> Mask:
    return p.short(r.social_counter_max_words) & p.has(SOCIAL_COUNTER)


@short_only("one_word_max_words")
def one_word(p: Paras, r: RuleParams) -> Mask:
    return ~p.heading & p.short(r.one_word_max_words)


@short_only("call_to_action_max_words")
def call_to_action(p: Paras, r: RuleParams) -> Mask:
    return p.short(r.call_to_action_max_words) & p.has(CALL_TO_ACTION)


def flagged_words(p: Paras, r: RuleParams) -> Mask:
    if r.flagged_max_ratio is None:
        return p.none()
    return (p.words > 0) & (_ratio(p.flagged(), p.words) >= r.flagged_max_ratio)


@short_only("comment_marker_max_words")
def comment_marker(p: Paras, r: RuleParams) -> Mask:
    return p.short(r.comment_marker_max_words) & p.has(COMMENT_MARKER)


def header_footer(p: Paras, r: RuleParams) -> Mask:
    min_chars = np.where(p.cjk, r.header_footer_min_chars_cjk or 0, r.header_footer_min_chars or 0)
    tiny = ~p.heading & (p.chars < min_chars)  # a null minimum: never
    short = p.short(r.header_footer_max_words)
    return tiny | (short & (p.has(HEADER_FOOTER, short) | p.has(EMAIL, short) | p.has(PHONE, short)))


@short_only("readme_max_words")
def readme(p: Paras, r: RuleParams) -> Mask:
    return p.short(r.readme_max_words) & p.has(README)


def bare_url(p: Paras, r: RuleParams) -> Mask:
    # a bare URL holds no whitespace, and a collapsed text's only whitespace is " ": tried where none
    return p.starts(BARE_URL, among=p.counts["space"] == 0) if r.bare_url else p.none()


@short_only("image_caption_max_words")
def image_caption(p: Paras, r: RuleParams) -> Mask:
    return ~p.heading & p.short(r.image_caption_max_words) & p.has(IMAGE_CAPTION)


@short_only("advertisement_max_words")
def advertisement(p: Paras, r: RuleParams) -> Mask:
    return p.short(r.advertisement_max_words) & p.has(ADVERTISEMENT)


@short_only("too_short_max_words")
def too_short(p: Paras, r: RuleParams) -> Mask:
    return ~p.heading & p.short(r.too_short_max_words)


def aberrant(p: Paras, r: RuleParams) -> Mask:
    """Most words of at most two characters (segmented CJK words are that short: not judged)."""
    if r.aberrant_max_short_ratio is None:
        return p.none()
    judged = ~p.cjk & (p.words >= r.aberrant_min_words)
    return judged & (_ratio(p.short_words(judged), p.words) > r.aberrant_max_short_ratio)


@short_only("citation_max_words")
def citation(p: Paras, r: RuleParams) -> Mask:
    return p.short(r.citation_max_words) & p.has(CITATION)


@short_only("social_handle_max_words")
def social_handle(p: Paras, r: RuleParams) -> Mask:
    return p.short(r.social_handle_max_words) & p.has(SOCIAL_HANDLE)


@short_only("phone_author_time_max_words")
def phone_author_time(p: Paras, r: RuleParams) -> Mask:
    phone_only = p.starts(PHONE_ONLY, among=p.counts["digit"] >= 7)
    return p.short(r.phone_author_time_max_words) & (phone_only | p.has(PHONE_AUTHOR_TIME))


# The released order. ``heading_only`` and ``merge_short`` look at neighbours (see the step).
NODE_RULES: dict[str, Rule] = {
    "download_link": download_link, "source_reference": source_reference, "uppercase": uppercase,
    "numeric": numeric, "social_counter": social_counter, "one_word": one_word, "call_to_action": call_to_action,
    "flagged_words": flagged_words, "comment_marker": comment_marker, "header_footer": header_footer,
    "readme": readme, "bare_url": bare_url, "image_caption": image_caption, "advertisement": advertisement,
    "too_short": too_short, "aberrant": aberrant, "citation": citation, "social_handle": social_handle,
    "phone_author_time": phone_author_time,
}
ORDER = [
    "download_link", "source_reference", "uppercase", "numeric", "social_counter", "one_word", "call_to_action",
    "flagged_words", "comment_marker", "header_footer", "heading_only", "readme", "bare_url", "image_caption",
    "advertisement", "merge_short", "too_short", "aberrant", "citation", "social_handle", "phone_author_time",
]
