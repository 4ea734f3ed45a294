"""OmniCorpus-style removal of boilerplate paragraphs, in English and Chinese.

A short paragraph (at most ``max_words`` words) is removed when it matches one of the rule
families below; each family is its own reason (``removed_paragraphs:<rule>``). Long paragraphs
are prose even when they mention "share" or "copyright", so they are never judged here.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from omniweave.document import Document, TextNode
from omniweave.filters.paragraphs_base import ParagraphParams, ParagraphStep
from omniweave.text.analysis import TextAnalysis
from omniweave.text.metadata_lines import BYLINES, DATE, TIME
from omniweave.text.patterns import AnyPattern

Rule = Literal[
    "share", "read_more", "byline", "timestamp", "photo_credit", "citation", "ad_marker", "social_counter",
    "copyright", "navigation", "cookie", "no_letters",
]

_SOCIAL = (
    r"facebook|twitter|x|linkedin|whatsapp|reddit|pinterest|tumblr|email|e-mail|print|copy link|messenger|"
    r"telegram|flipboard|weibo|wechat|qq|微博|微信|新浪微博|腾讯微博|朋友圈|qq空间|豆瓣|人人网|复制链接|打印"
)

RULES: dict[str, list[str]] = {
    "share": [
        r"^(share|share this|share on|share via|share this (article|story|post|page)|tweet|pin it|分享到?|一键分享)"
        r"\b.{0,80}$",
        rf"^((share|{_SOCIAL}|comments?|save)[\s,|/·•:：]*){{2,}}$",
    ],
    "read_more": [
        r"^(read more|continue reading|read the (full|rest|original)|click here|learn more|see more|view more|"
        r"show more|load more|more stories|more from|related( articles| stories| posts| content| reading| coverage)?|"
        r"you (may|might) also (like|enjoy)|recommended( for you| reading)?|trending( now)?|most (popular|read|viewed)|"
        r"top stories|(next|previous|prev) (article|post|story|page)|see also)\b",
        r"^(阅读全文|查看全文|阅读更多|查看更多|展开全文|加载更多|点击(查看|进入|阅读|这里)|相关(阅读|文章|新闻|推荐|链接)|"
        r"推荐阅读|热门(推荐|文章|新闻)|猜你喜欢|延伸阅读|上一篇|下一篇|上一页|下一页|返回(首页|顶部|列表)|更多(精彩|内容|新闻))",
    ],
    "byline": BYLINES,
    "timestamp": [
        rf"^((posted|published|updated|last updated|modified|created|date)\s*(on|at)?:?\s*)?"
        rf"((mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s*)?{DATE}([,\s]*(at\s*)?{TIME})?\s*\|?$",
        rf"^((posted|published|updated|last updated)\s*(on|at)?:?\s*)?{TIME}([,\s]*{DATE})?$",
        r"^\d+\s+(minutes?|hours?|days?|weeks?|months?|years?)\s+ago$",
        r"^(发布时间|发表时间|发表于|更新时间|时间|日期)[:：\s]",
        r"^\d+\s*(分钟|小时|天|周|个月|年)前$",
    ],
    "photo_credit": [
        r"^(photo|photograph|image|picture|illustration|graphic|video|footage)s?\s*(:|by\b|credit|courtesy|via\b|source)",
        r"^(credit|source|image source|photo source)s?\s*:",
        r"^[(\[]?(ap|afp|epa|reuters|getty images|getty|xinhua|photo)( photo| images)?\s*/\s*[^/]{2,60}[)\]]?$",
        r"(getty images|reuters|associated press|\bafp\b|shutterstock|istock(photo)?|\bap photo|alamy|\bepa\b)[\s)\]/.]*$",
        r"^[(（]?(图片来源|图片|图源|摄影|摄|图\s*[/／]|图文|视觉中国|新华社记者)[:：\s/／]",
    ],
    "citation": [
        r"^\[\d+\]", r"^\^", r"\bretrieved (on )?(\d|[a-z]+ \d)", r"\b(doi|isbn|issn|pmid|arxiv)\s*:?\s*[\d]",
        r"^(references|sources|bibliography|notes|footnotes|citations|external links|further reading|works cited|"
        r"参考文献|参考资料|注释|引用)$",
    ],
    "ad_marker": [
        r"^(advertisement|advertising|advert|sponsored( content| post| links?)?|ad|ads|ads by \w+|promoted( content)?|"
        r"paid (content|post)|partner content|story continues below( advertisement)?|广告|推广|赞助(内容)?|商业推广)$",
    ],
    "social_counter": [
        r"^(\d[\d,.]*\s*[km万千]?\s*(comments?|shares?|likes?|views?|reads?|retweets?|reactions?|followers?|votes?|replies|"
        r"次阅读|阅读|评论|点赞|赞|收藏|转发|浏览|人阅读|人收藏|条评论)[\s,|·•]*)+$",
        r"^((comments?|shares?|likes?|views?|阅读|评论|点赞|收藏|转发|浏览)\s*[:：(（]?\s*\d[\d,.]*[km万]?\s*[)）]?[\s,|·•]*)+$",
    ],
    "copyright": [
        r"©|\(c\)\s*\d{4}|\bcopyright\b|all rights reserved|版权所有|版权声明|未经(许可|授权)|禁止转载|转载请注明|icp备|icp证",
        r"creative commons|licensed under|terms of (use|service)|privacy policy|使用条款|隐私政策|服务条款",
    ],
    "navigation": [
        r"^(sign up|sign in|log in|login|log out|register|subscribe|newsletter|follow us|join us|contact us|about us|"
        r"home|menu|search|skip to (main )?content|back to top|top of page|toggle navigation|main menu|"
        r"subscribe to our newsletter|sign up for our newsletter|get the (app|newsletter)|download (the|our) app)\b.{0,60}$",
        r"^(登录|注册|订阅|关注我们|联系我们|关于我们|首页|网站地图|网站导航|设为首页|加入收藏|免责声明|意见反馈|帮助中心)",
    ],
    "no_letters": [r"^[^\w]*$|^[\d\W_]+[kmb万亿]?\+?$"],  # counters, page numbers, separators
    "cookie": [
        r"\bcookies?\b.{0,80}\b(use|uses|using|accept|consent|policy|settings|preferences)\b|"
        r"\b(use|uses|accept)\b.{0,40}\bcookies?\b|使用\s*cookie|cookie\s*政策",
    ],
}
_COMPILED = {rule: AnyPattern(*patterns) for rule, patterns in RULES.items()}


def boilerplate_rule(text: str, rules: list[str] | None = None, analysis: TextAnalysis | None = None) -> str | None:
    """The first rule family whose pattern matches ``text`` (whitespace collapsed), or None;
    ``analysis``: the text's own, whose collapsed text and pattern literals are reused."""
    analysis = analysis or TextAnalysis(text)
    collapsed, literals = analysis.collapsed, analysis.literals
    for rule, pattern in _COMPILED.items():
        if (rules is None or rule in rules) and pattern.search(collapsed, literals):
            return rule
    return None


class BoilerplateParams(ParagraphParams):
    max_words: int = Field(30, gt=0, description="only paragraphs this short are judged")
    rules: list[Rule] | None = Field(None, description="rule families to apply (None: all)")


class BoilerplateParagraphs(ParagraphStep):
    """Remove share bars, read-more links, bylines, timestamps, photo credits, citation lists,
    ad markers, social counters, copyright and legal notices, navigation, cookie notices, and
    paragraphs without a letter."""

    name = "boilerplate_paragraphs"
    Params = BoilerplateParams

    def judge(self, doc: Document, node: TextNode) -> str | None:
        if node.analysis.word_count > self.params.max_words:
            return None
        return boilerplate_rule(node.text, self.params.rules, node.analysis)
