"""OmniCorpus's released text rules, one by one: examples that must go and near-misses that must
stay, in English and Chinese; then the chain (order, rounds, neighbours, counts), the document
normalisers and the document gates."""

from __future__ import annotations

from collections import Counter

import pytest

from omniweave.document import Document, ImageNode, TextNode
from omniweave.filters.normalise import OmnicorpusNormalise
from omniweave.filters.omnicorpus_document import OmnicorpusDocument
from omniweave.filters.omnicorpus_paragraphs import OmnicorpusParagraphs
from omniweave.filters.omnicorpus_rules import NODE_RULES, ORDER, Paras, RuleParams
from omniweave.pipeline.context import TaskContext
from omniweave.pipeline.recipe import parse_recipe

PROSE = (
    "The committee met on Tuesday to discuss the budget for the coming year. Members agreed that the "
    "library needs a new roof before winter, and that the repairs should start as soon as the money is available."
)
ZH_PROSE = "近年来，我省积极把握制造业发展趋势，加速向智能制造、绿色制造、高端制造方向转型升级，十五家企业入选国家级绿色工厂。"

GO = [  # (rule, text, language)
    ("download_link", "For details on the new schedule, see the attached file.", "en"),
    ("download_link", "The link is below.", "en"),
    ("download_link", "下载链接：https://pan.example.com/s/1abc 提取码：x7y8", "zh"),
    ("source_reference", "Special thanks to the city archive for the photographs.", "en"),
    ("source_reference", "Published by Harbour Press in 2019.", "en"),
    ("source_reference", "All photo credits and copyright belong to their owners.", "en"),
    ("source_reference", "A similar result was reported before (Smith, 2019).", "en"),
    ("source_reference", "This is explained elsewhere (cf. chapter 3).", "en"),
    ("source_reference", "本文来源：新华网", "zh"),
    ("source_reference", "特别鸣谢：市档案馆提供图片", "zh"),
    ("uppercase", "BREAKING NEWS: STORM HITS THE COAST", "en"),
    ("uppercase", "CCTV NEWS LIVE 直播", "zh"),
    ("numeric", "2019 2020 2021 2022", "en"),
    ("numeric", "2019–2020", "en"),
    ("numeric", "１２３４５６７", "zh"),
    ("social_counter", "12 likes · 3 shares", "en"),
    ("social_counter", "1.2k views", "en"),
    ("social_counter", "阅读 1024 评论 36", "zh"),
    ("social_counter", "356人点赞", "zh"),
    ("one_word", "Menu", "en"),
    ("one_word", "首页", "zh"),
    ("call_to_action", "Sign in to read more", "en"),
    ("call_to_action", "3 items in cart", "en"),
    ("call_to_action", "登录 | 注册", "zh"),
    ("call_to_action", "加入购物车", "zh"),
    ("flagged_words", "Watch free porn videos now", "en"),
    ("flagged_words", "色情视频在线观看", "zh"),
    ("comment_marker", "Leave a comment", "en"),
    ("comment_marker", "12 Comments", "en"),
    ("comment_marker", "Comments are closed.", "en"),
    ("comment_marker", "发表评论", "zh"),
    ("comment_marker", "36条评论", "zh"),
    ("header_footer", "Write to us at info@example.com for questions", "en"),
    ("header_footer", "Tel: +44 20 7946 0958", "en"),
    ("header_footer", "Call (555) 123-4567 or 555-123-4567 today", "en"),
    ("header_footer", "© 2024 Example Ltd.", "en"),
    ("header_footer", "Go home", "en"),
    ("header_footer", "联系电话：010-12345678", "zh"),
    ("header_footer", "版权所有 某某网", "zh"),
    ("header_footer", "关于我们", "zh"),
    ("readme", "Please enable JavaScript to view the comments.", "en"),
    ("readme", "Your browser does not support the video tag.", "en"),
    ("readme", "您的浏览器不支持视频播放", "zh"),
    ("bare_url", "https://example.com/a/b?c=1", "en"),
    ("bare_url", "www.example.org", "en"),
    ("bare_url", "news.example.cn/2024/01/a.html", "zh"),
    ("image_caption", "Photo: Getty Images", "en"),
    ("image_caption", "Image courtesy of NASA", "en"),
    ("image_caption", "图片来源：视觉中国", "zh"),
    ("image_caption", "摄影：王小明", "zh"),
    ("advertisement", "Advertisement", "en"),
    ("advertisement", "Sponsored content", "en"),
    ("advertisement", "广告", "zh"),
    ("too_short", "Thanks for reading!", "en"),
    ("too_short", "谢谢阅读", "zh"),
    ("aberrant", "a b c d e f g h", "en"),
    ("aberrant", "It is so, as we go up to it.", "en"),
    ("citation", "[1] Smith, J. (2001). A study of tides.", "en"),
    ("citation", "^ Retrieved 7 March 2013.", "en"),
    ("citation", "1. Smith, J., and Doe, A. Tides. Nature, 2001.", "en"),
    ("citation", "[1] 王小明. 潮汐研究[J]. 海洋学报, 2001.", "zh"),
    ("citation", "引用日期2019-01-01", "zh"),
    ("social_handle", "Follow us on Twitter @example", "en"),
    ("social_handle", "@janedoe", "en"),
    ("social_handle", "Share this on Facebook", "en"),
    ("social_handle", "扫码关注我们的公众号", "zh"),
    ("social_handle", "点击阅读原文", "zh"),
    ("social_handle", "长按识别二维码", "zh"),
    ("phone_author_time", "By Jane Smith", "en"),
    ("phone_author_time", "Updated March 11, 2015 3:46 PM", "en"),
    ("phone_author_time", "+1 (555) 123-4567", "en"),
    ("phone_author_time", "责任编辑：王小明", "zh"),
    ("phone_author_time", "发布时间：2022年01月28日", "zh"),
]

STAY = [  # (rule, text, language): near-misses the rule must keep
    ("download_link", "He did not see the link between the two events at first.", "en"),
    ("download_link", PROSE + " The link is in the appendix, which the clerk will send to every member who asks.", "en"),
    ("download_link", "他下载了这个软件，用了一个星期以后才发现问题。", "zh"),
    ("source_reference", "The committee thanked everyone who helped (and there were many).", "en"),
    ("source_reference", PROSE + " A similar result was reported before (Smith, 2019).", "en"),
    ("source_reference", "消息来源于多个渠道，记者进行了核实。", "zh"),
    ("uppercase", "NASA and ESA will launch the joint mission next year.", "en"),
    ("uppercase", "SK-II产品在上海市场上的销售情况引起了消费者的广泛关注", "zh"),
    ("numeric", "Call 555-1234 before noon on Friday.", "en"),
    ("numeric", "2024年1月20日", "zh"),
    ("social_counter", "The video was viewed 3 million times and shared by thousands of people across the country.", "en"),
    ("social_counter", "这篇文章发表后引起了广泛的讨论，三天内有上千名读者留下了自己的看法。", "zh"),
    ("one_word", "Two words", "en"),
    ("call_to_action", "She decided to sign up for the city marathon after months of careful training.", "en"),
    ("call_to_action", "他在网站注册了一个账号以后，每天都会花一个小时阅读最新的研究论文和新闻报道。", "zh"),
    ("flagged_words", PROSE, "en"),
    ("flagged_words", "The analysis was thorough and the results were clear.", "en"),
    ("flagged_words", ZH_PROSE, "zh"),
    ("comment_marker", "Comments from readers helped us to improve the article over the following weeks.", "en"),
    ("comment_marker", "网友的评论各不相同，有人支持，也有人认为这项政策需要进一步完善。", "zh"),
    ("header_footer", PROSE + " Readers may write to the clerk at clerk@example.org with their questions.", "en"),
    ("header_footer", "The phone rang twice before anyone answered it.", "en"),
    ("header_footer", "The year 2019-2020 was a hard one for the club.", "en"),
    ("header_footer", "The seasons 2019 2020 2021 were hard ones for the club.", "en"),
    ("header_footer", "The region had 12.345.678 people in the last census.", "en"),
    ("header_footer", "今天天气很好，我们去公园散步。", "zh"),
    ("readme", "The instructions for the exam were printed on the back of the booklet.", "en"),
    ("readme", "说明书上写得很清楚，每天服用两次，饭后半小时服用。", "zh"),
    ("bare_url", "Visit https://example.com for more.", "en"),
    ("image_caption", "The source of the river lies high in the mountains of the north.", "en"),
    ("image_caption", "这张照片拍摄于上世纪五十年代的上海外滩，记录了当时繁华的街景和来往的人群。", "zh"),
    ("advertisement", "The advertisement campaign ran for three months on national television.", "en"),
    ("advertisement", "这家公司的广告投放策略在去年发生了很大的变化。", "zh"),
    ("too_short", "The council approved the plan.", "en"),
    ("too_short", "市政府昨天正式批准了这项城市规划。", "zh"),
    ("aberrant", "The committee met on Tuesday to discuss the budget.", "en"),
    ("aberrant", ZH_PROSE, "zh"),
    ("citation", "In 2001 Smith and Doe studied the tides of the North Sea for a decade.", "en"),
    ("citation", "王小明在2001年发表了关于潮汐的研究。", "zh"),
    ("social_handle", "Jane decided to follow the river north until it reached the sea.", "en"),
    ("social_handle", "Write the letter, then email it to the mayor before Friday.", "en"),
    ("social_handle", "她关注这个问题已经很多年了，一直在收集资料。", "zh"),
    ("phone_author_time", "By the end of the decade, the city had doubled in size.", "en"),
    ("phone_author_time", "记者从市教育局获悉，今年全市新增学位三千个。", "zh"),
]


def judge(rule: str, text: str, lang: str, kind: str = "paragraph") -> bool:
    return bool(NODE_RULES[rule](Paras.of(TextNode(text, kind), lang), RuleParams())[0])


@pytest.mark.parametrize(("rule", "text", "lang"), GO)
def test_rule_removes(rule, text, lang):
    assert judge(rule, text, lang)


@pytest.mark.parametrize(("rule", "text", "lang"), STAY)
def test_rule_keeps_near_miss(rule, text, lang):
    assert not judge(rule, text, lang)


def test_every_rule_is_tested_both_ways():
    assert {r for r, _, _ in GO} == {r for r, _, _ in STAY} == set(NODE_RULES)
    assert [r for r in ORDER if r not in NODE_RULES] == ["heading_only", "merge_short"]


def test_headings_are_not_judged_by_length_alone():
    assert judge("one_word", "Introduction", "en") and not judge("one_word", "Introduction", "en", "heading")
    assert not judge("too_short", "Early life", "en", "heading")
    assert not judge("header_footer", "Notes", "en", "heading")


def ctx() -> TaskContext:
    return TaskContext(task_id="t", pass_index=0, run=None)  # type: ignore[arg-type]


def doc(*nodes, lang: str = "en") -> Document:
    return Document(id="d", nodes=[TextNode(n) if isinstance(n, str) else n for n in nodes], language=lang)


def test_chain_counts_each_rule_in_released_order():
    c = ctx()
    d = doc(PROSE, "FOR DETAILS ON THE RULES, DOWNLOAD IT HERE", "Menu", "12 likes", ZH_PROSE,
            ImageNode("http://x/a.jpg"), TextNode("Photo: Getty Images", "caption"), "Photo: Reuters")
    [kept] = OmnicorpusParagraphs().run([d], c)
    counts = c.stats["omnicorpus_paragraphs"]
    assert counts["removed_paragraphs:download_link"] == 1  # the first rule of the order wins over uppercase
    assert counts["removed_paragraphs:one_word"] == counts["removed_paragraphs:social_counter"] == 1
    assert counts["removed_paragraphs:image_caption"] == 1  # the stray credit, not the image's caption
    assert [n.text for n in kept.texts] == [PROSE, ZH_PROSE, "Photo: Getty Images"]


def test_chain_repeats_until_stable():
    reference = "[1] Smith, J. (2001). A study of tides."
    nodes = [PROSE, TextNode("What others wrote", "heading"), reference]
    d = doc(*nodes)
    step = OmnicorpusParagraphs()
    removed = step.clean(d)
    # round 1: the citation (after heading_only in the order); round 2: the heading left with no text
    assert removed == [(reference, "citation"), ("What others wrote", "heading_only")]
    assert step.events["rounds:3"] == 1 and [n.text for n in d.texts] == [PROSE]
    once = OmnicorpusParagraphs(OmnicorpusParagraphs.Params(max_rounds=1))
    d = doc(*nodes)
    assert once.clean(d) == [(reference, "citation")] and len(d.texts) == 2


def test_heading_runs_and_trailing_headings_go():
    h = lambda t: TextNode(t, "heading")  # noqa: E731
    d = doc(h("A title"), PROSE, h("Home"), h("News"), h("Sport"), PROSE, h("Related"))
    removed = OmnicorpusParagraphs(OmnicorpusParagraphs.Params(rules=["heading_only"])).clean(d)
    assert [t for t, _ in removed] == ["Home", "News", "Sport", "Related"]
    assert [n.text for n in d.texts] == ["A title", PROSE, PROSE]


def test_short_fragments_are_merged_not_removed():
    d = doc("In spring 2019,", "the council voted to rebuild the old harbour wall.", "Thanks!", PROSE)
    step = OmnicorpusParagraphs()
    removed = step.clean(d)
    assert [n.text for n in d.texts] == ["In spring 2019, the council voted to rebuild the old harbour wall.", PROSE]
    assert removed == [("Thanks!", "one_word")] and step.events["merged_paragraphs:merge_short"] == 1
    d = doc("Anyway.", "the end came soon after that, as everyone had expected it would.")
    assert OmnicorpusParagraphs(OmnicorpusParagraphs.Params(rules=["merge_short"])).clean(d) == [] and len(d.texts) == 2


def test_documents_judged_ahead_together_end_as_each_cleaned_alone(shared_data):
    """run() judges the nodes of many documents at once (per language): the documents, removals and
    counts are those of cleaning each document alone."""
    from omniweave.filters import omnicorpus_paragraphs

    pages = sorted((shared_data / "html" / "chinese-web-content-extraction" / "cleaned").glob("*.txt"))
    texts = [t for p in pages for t in p.read_text(encoding="utf-8").split("\n\n")]
    texts += ["In spring 2019,", "the council voted to rebuild the old harbour wall.", "12 likes", "Menu", PROSE]

    def documents() -> list[Document]:  # the same text again in another language gets its own answers
        return [doc(*texts[i:i + 30], lang=lang) for i in range(0, len(texts), 30) for lang in ("zh", "en")]

    alone, step = documents(), OmnicorpusParagraphs()
    removed = [step.clean(d) for d in alone]
    c = ctx()
    together = list(OmnicorpusParagraphs().run(documents(), c))
    assert len(alone) > omnicorpus_paragraphs.AHEAD and sum(map(len, removed)) > 20
    assert [[(n.kind, n.text) for n in d.texts] for d in together] == [[(n.kind, n.text) for n in d.texts] for d in alone]
    counts = c.stats["omnicorpus_paragraphs"]
    assert {k: v for k, v in counts.items() if k not in ("in", "kept")} == step.events | {
        f"removed_paragraphs:{reason}": n for reason, n in Counter(r for rs in removed for _, r in rs).items()}


def test_normalisers():
    step = OmnicorpusNormalise()
    d = doc("The storm reached the coast\nearly on Monday morning.\nNobody was hurt.",
            "First part." + "_" * 15 + "Second part.", "One." + "_" * 14 + "Two.",
            "[Video] Watch the storm arrive\nThe water rose quickly.", "[Video call from the mayor] was the first.",
            "Read the full article", "阅读全文", "暴风雨在周一早上\n到达了海岸。")
    removed = step.clean(d)
    assert [n.text for n in d.texts] == [
        "The storm reached the coast early on Monday morning.\nNobody was hurt.",
        "First part.", "Second part.", "One." + "_" * 14 + "Two.",
        "The water rose quickly.", "[Video call from the mayor] was the first.", "暴风雨在周一早上到达了海岸。",
    ]
    assert removed == [("[Video] Watch the storm arrive", "video_field"), ("Read the full article", "full_text_stub"),
                       ("阅读全文", "full_text_stub")]
    assert step.events["joined_lines:broken_line"] == 2 and step.events["split_paragraphs:underscore_run"] == 1


def test_normaliser_looks_for_dropped_lines_only_in_nodes_that_may_hold_one(shared_data, monkeypatch):
    """A node without a bracket, "full" (any case), 全文 or 原文 has no line either pattern drops:
    the step skips its lines, and its output is that of matching every line."""
    import re

    from omniweave.filters import normalise

    every_character = "".join(map(chr, range(0x110000)))  # those matching f, u or l ignoring case: their ASCII cases
    assert sorted(re.findall("[ful]", every_character, re.IGNORECASE)) == sorted("fulFUL")
    stubs = ["Read the full article", "READ THE FULL STORY »", "[Full Text]", "（查看原文）", "【视频】",
             "[VIDEO] Watch", "  [Embedded video: storm]", "点击查看全文 >", "Click here to read the FULL article"]
    assert all(normalise.FULL_TEXT_STUB.match(s) or normalise.VIDEO_FIELD.match(s) for s in stubs)
    pages = sorted((shared_data / "html" / "chinese-web-content-extraction" / "cleaned").glob("*.txt"))
    pages += sorted((shared_data / "html" / "readability-test-pages").glob("*/expected.html"))[:20]
    texts = [t for p in pages for t in p.read_text(encoding="utf-8").split("\n\n")] + stubs
    for text in texts:
        for line in text.splitlines():
            if normalise.FULL_TEXT_STUB.match(line) or normalise.VIDEO_FIELD.match(line):
                assert normalise.may_drop(line), line
    gated, every = OmnicorpusNormalise(), OmnicorpusNormalise()
    d1, d2 = doc(*texts), doc(*texts)
    removed = gated.clean(d1)
    monkeypatch.setattr(normalise, "may_drop", lambda text: True)
    assert every.clean(d2) == removed and len(removed) >= len(stubs)
    assert [n.text for n in d1.texts] == [n.text for n in d2.texts] and gated.events == every.events


def test_document_gates():
    gate = OmnicorpusDocument()
    sized = lambda i: ImageNode(f"http://x/{i}.jpg", declared_width=400, declared_height=300)  # noqa: E731
    assert gate.keep(doc(PROSE, sized(1), sized(2))) is True  # two images: not checked
    assert gate.keep(doc(PROSE, sized(1), sized(2), sized(3))) == "omnicorpus_few_words_per_image"
    assert gate.keep(doc(PROSE, sized(1), sized(1), sized(2))) is True  # one URL counts once
    unknown = [ImageNode(f"http://x/u{i}.jpg") for i in range(5)]
    icons = [ImageNode(f"http://x/i{i}.png", declared_width=16, declared_height=16) for i in range(5)]
    assert gate.keep(doc(PROSE, *unknown, *icons)) is True  # sizes unknown or icons: not counted
    assert gate.keep(doc("Home page", "News and sport", "Weather today")) == "omnicorpus_no_long_paragraph"
    assert gate.keep(doc(PROSE + " Porn sex porn sex.")) == "omnicorpus_flagged_words"


def test_omnicorpus_en_preset_follows_the_released_order():
    recipe = parse_recipe({"input": {"paths": ["-"]}, "output": {"dir": "-"}, "steps": [{"preset": "omnicorpus-en"}]})
    labels = [s.label for s in recipe.steps]
    assert labels[:5] == ["language_id", "omnicorpus_normalise", "omnicorpus_paragraphs", "gopher_quality",
                          "omnicorpus_document"]
    params = {s.label: s.params for s in recipe.steps}
    assert params["omnicorpus_paragraphs"]["max_rounds"] == 3 and params["omnicorpus_paragraphs"]["too_short_max_words"] == 4
    gates = params["gopher_quality"]
    assert (gates["min_words"], gates["max_words"], gates["min_avg_word_length"], gates["max_avg_word_length"],
            gates["min_alpha_words_ratio"], gates["min_stop_words"]) == (50, 100_000, 3, 10, 0.8, 2)
    assert params["omnicorpus_document"]["max_flagged_word_ratio"] == 0.02
    assert params["omnicorpus_document"]["min_words_per_image"] == 50
