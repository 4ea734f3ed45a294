"""Crafted pages for the page kinds the extractor has rules for: long comment threads, forum
threads, listings, content shipped in ``<noscript>``, CJK pages; and the scan that finds junk tags."""

from __future__ import annotations

import gzip
import importlib

from selectolax.lexbor import LexborHTMLParser

from omniweave import extract_html
from omniweave.extract.scan import WANTED_TAGS, scan

URL = "http://example.com/a"
_SENTENCE = "A sentence of article text, with a comma, long enough to count as prose here. "


def _comments(n: int, words: str = "Great post, thanks for writing it, I learned a lot from it today") -> str:
    return "".join(f'<div class="comment"><h4>re: the post {i}</h4><p>{words} ({i}).</p></div>' for i in range(n))


def test_long_comment_thread_goes_when_an_article_stands_outside_it():
    article = "".join(f"<p>{_SENTENCE * 2}</p>" for _ in range(3))
    html = (f'<html><body><div id="main"><div class="post"><h2>Title</h2>{article}</div>'
            f'<div id="comments">{_comments(40)}</div></div></body></html>')
    doc = extract_html(html, url=URL)
    assert "A sentence of article text" in doc.text
    assert "Great post" not in doc.text


def test_forum_thread_made_of_comments_is_kept_with_every_post():
    posts = _comments(12, "I think the answer depends on the version you run, see the manual for details")
    html = f'<html><body><h1>Which version?</h1><div class="comments">{posts}</div><footer>About us</footer></body></html>'
    doc = extract_html(html, url=URL)
    assert all(f"details ({i})" in doc.text for i in range(12))


def _post(i: int, text: str) -> str:
    return (f'<article class="message message--post" itemscope itemtype="https://schema.org/Comment">'
            f'<div class="message-user"><a href="/u/{i}">user{i}</a> Joined 2020</div>'
            f'<div class="message-content"><div class="bbWrapper">{text} ({i})</div></div></article>')


def test_forum_thread_of_schema_comments_keeps_every_post():
    first = _SENTENCE * 6
    reply = "I had the same problem with my setup last week, and after a long search the fix in the manual worked for me"
    replies = "".join(_post(i, reply) for i in range(1, 8))
    html = (f'<html><body><nav><a href="/">Forums</a></nav><div class="block-body">'
            f'<article class="message message--post"><div class="message-content"><div class="bbWrapper">{first}'
            f"</div></div></article>{replies}</div></body></html>")
    doc = extract_html(html, url=URL)
    assert "A sentence of article text" in doc.text
    assert all(f"worked for me ({i})" in doc.text for i in range(1, 8))


def test_replies_after_a_long_opening_post_of_their_own_kind_are_kept():
    first = "".join(f"<p>{_SENTENCE * 3}</p>" for _ in range(6))  # more text than the replies together
    replies = "".join(_post(i, "Same here, the fix in the manual worked for me") for i in range(1, 6))
    html = (f'<html><body><div class="block-body"><article class="message message--post message--first">'
            f'<div class="message-content">{first}</div></article>{replies}</div></body></html>')
    doc = extract_html(html, url=URL)
    assert "A sentence of article text" in doc.text
    assert all(f"worked for me ({i})" in doc.text for i in range(1, 6))


def test_schema_comments_under_an_article_are_removed():
    article = "".join(f"<p>{_SENTENCE * 3}</p>" for _ in range(4))
    replies = "".join(_post(i, "Nice one") for i in range(3))
    doc = extract_html(f"<html><body><article>{article}</article>{replies}</body></html>", url=URL)
    assert "A sentence of article text" in doc.text and "Nice one" not in doc.text


def test_listing_of_similar_items_is_kept_whole():
    def item(i: int, sentences: int) -> str:
        text = "A review of the book, its ideas and its style, written with care. " * sentences
        return (f'<div class="review"><div class="review-inner"><div class="meta">Book {i}</div>'
                f'<div class="review-body"><div class="text"><p>{text}</p><p>{text}</p></div></div></div></div>')

    items = item(0, 12) + "".join(item(i, 3) for i in range(1, 5))
    html = f'<html><body><div class="menu"><a href="/">Home</a></div><div class="reviews">{items}</div></body></html>'
    doc = extract_html(html, url=URL)
    assert all(f"Book {i}" in doc.text for i in range(5))


def test_lines_of_a_link_and_a_date_are_a_listing_in_any_script():
    article = "".join(f"<p>{'这是一篇很长的文章，讲述了一个故事，内容丰富而且有趣。' * 4}</p>" for _ in range(4))
    related = "".join(f'·<a href="/n{i}">娱乐圈新闻标题第{i}条</a> (2005-04-27 14:32PM)<br>' for i in range(6))
    replies = "".join(f'<li><a href="/t{i}">回复的标题{i}</a>【<a href="/u{i}">作者</a>】08-11 16:06 298字 [43/8]</li>'
                      for i in range(6))
    kept = '<p>请看<a href="/x">这里</a>了解更多关于这个故事的背景。</p>'
    html = f"<html><body><div>{article}{kept}<div>{related}</div><ul>{replies}</ul></div></body></html>"
    doc = extract_html(html, url=URL)
    assert "这是一篇很长的文章" in doc.text and "了解更多关于这个故事的背景" in doc.text
    assert "娱乐圈新闻标题" not in doc.text and "回复的标题" not in doc.text


def test_layout_cell_holding_tables_does_not_outscore_the_article_cell():
    rows = "".join(f"<tr><td>栏目{i}，新闻，图片</td><td>视频，论坛</td></tr>" for i in range(30))
    side = f'<td width="200"><table>{rows}</table><table><tr><td>友情链接，合作伙伴，关于我们</td></tr></table></td>'
    story = "".join(f"<p>{'记者报道，这是一段新闻正文，讲述了事件的经过。' * 3}</p>" for _ in range(4))
    html = f"<html><body><table><tr>{side}<td>{story}</td></tr></table></body></html>"
    doc = extract_html(html, url=URL)
    assert "这是一段新闻正文" in doc.text and "栏目" not in doc.text


def test_comment_form_block_goes_but_a_page_wrapped_in_one_form_stays():
    article = "".join(f"<p>{_SENTENCE * 3}</p>" for _ in range(4))
    form = ('<form action="/post"><table><tr><td>Title</td><td><input name="t"></td></tr>'
            '<tr><td>Your comment *</td><td><textarea name="c"></textarea></td></tr>'
            "<tr><td>Captcha code:</td></tr></table></form>")
    doc = extract_html(f"<html><body><div>{article}{form}</div></body></html>", url=URL)
    assert "A sentence of article text" in doc.text and "Captcha" not in doc.text
    bare = form.replace("<form", "<div").replace("</form>", "</div>")  # inside a page-wide form, say
    doc = extract_html(f"<html><body><div>{article}<h3>Post Comment</h3>{bare}</div></body></html>", url=URL)
    assert "A sentence of article text" in doc.text and "Captcha" not in doc.text and "Your comment" not in doc.text
    wrapped = extract_html(f'<html><body><form id="Form1">{article}<textarea></textarea></form></body></html>', url=URL)
    assert "A sentence of article text" in wrapped.text


def test_article_inside_an_ad_insertion_wrapper_is_kept_but_ads_go():
    article = "".join(f"<p>{_SENTENCE * 3}</p>" for _ in range(6))
    html = (f'<html><body><main><h1>Guide</h1><div class="body-ad-wrapper block">{article}</div>'
            '<div class="ad-slot"><p>Buy our seeds today, best prices on the whole internet guaranteed!</p></div>'
            f'<div class="related">{"<p><a href=/x>More guides like this one</a></p>" * 5}</div></main>'
            f'<div class="site-info">{"<p>About the site, its history and its many, many editors.</p>" * 30}</div>'
            "</body></html>")
    doc = extract_html(html, url=URL)
    assert "A sentence of article text" in doc.text and "Buy our seeds" not in doc.text


def test_paragraphs_inside_a_script_link_are_text_not_a_link_line():
    html = ('<html><body><a href="javascript:"><p>First paragraph of the page.</p><p>Second one.</p> tail</a>'
            '<ul><li><a href="javascript:void(0)">Menu</a></li></ul></body></html>')
    doc = extract_html(html, url=URL)
    assert "First paragraph of the page." in doc.text and "Second one." in doc.text


def test_streamed_segments_are_shown_at_their_placeholder():
    article = "".join(f"<p>{_SENTENCE * 2} ({i})</p>" for i in range(4))
    html = ('<html><body><nav><a href="/">Home</a></nav><main><h1>Title</h1><template id="B:0"></template>'
            f'<p>Loading…</p><p>{_SENTENCE * 3} Closing words.</p></main><footer>About</footer>'
            f'<div hidden id="S:0"><div class="post">{article}</div></div>'
            '<script>$RC("B:0","S:0")</script></body></html>')
    text = extract_html(html, url=URL).text
    assert "(0)" in text and "(3)" in text
    assert text.index("(3)") < text.index("Closing words")


def test_article_in_an_ad_named_wrapper_with_lists_and_headings_is_kept():
    steps = "".join(f"<li>Step {i}: water the seedlings in the morning, then mulch the rows well.</li>" for i in range(10))
    body = "".join(f"<h2>Part {i}</h2><p>{_SENTENCE * 5}</p><ul>{steps}</ul>" for i in range(3))
    promo = "".join(f'<li><a href="/shop/{i}">Seed pack number {i} on sale now, buy today</a></li>' for i in range(40))
    html = (f'<html><body><div class="page"><div class="body-ad-wrapper">{body}</div>'
            f'<div class="promo"><ul>{promo}</ul></div><div class="more">{promo}</div></div></body></html>')
    text = extract_html(html, url=URL).text
    assert "Step 9: water" in text and "Part 2" in text
    assert "Seed pack" not in text


def test_ruby_readings_are_left_out_of_the_text():
    para = "<p><ruby>子<rp>(</rp><rt>こ</rt><rp>)</rp></ruby>どもへの<ruby>虐待<rt>ぎゃくたい</rt></ruby>をなくすための法律ができて、親が教育する。</p>"
    html = f"<html><body><article>{para * 4}</article></body></html>"
    text = extract_html(html, url=URL).text
    assert "子どもへの虐待をなくすための法律ができて" in text and "ぎゃくたい" not in text


def test_article_around_a_winning_reference_list_is_kept():
    refs = "".join(f"<li><p>Author A, Author B, Author C. Title of paper {i}, journal, vol {i}, pages 1-9, 2016.</p></li>"
                   for i in range(60))
    abstract = f"<section><h2>Abstract</h2><p>{_SENTENCE * 4}</p><p>The purpose of the review is stated here.</p></section>"
    html = (f'<html><body><nav><a href="/">Home</a></nav><article><h1>A review</h1>{abstract}'
            f'<section><h2>References</h2><div><div><ol class="refs">{refs}</ol></div></div></section></article></body></html>')
    text = extract_html(html, url=URL).text
    assert "The purpose of the review" in text and "Title of paper 59" in text



def test_heading_and_standfirst_before_the_body_text_are_kept_but_not_the_byline():
    lead = "A standfirst that sums up the whole story in one long sentence, the way that news sites like to put it first."
    body = "".join(f"<p>{_SENTENCE * 2}</p>" for _ in range(5))
    html = (f'<html><body><div class="nav"><a href="/">Home</a></div><div class="page">'
            f'<div class="top"><span>Chronicle</span><h1>The headline</h1><p>{lead}</p><p>By Jane Doe, 12 May</p></div>'
            f'<div class="wrap"><div class="tools"><a href="/s">Print</a></div><div class="text">{body}</div></div>'
            f'</div><div class="foot">Contact</div></body></html>')
    text = extract_html(html, url=URL).text
    assert text.index("The headline") < text.index(lead) < text.index("A sentence of article text")
    assert "Jane Doe" not in text and "Chronicle" not in text


def test_blocks_that_are_only_an_ad_or_credit_label_go_but_headings_stay():
    body = "".join(f"<p>{_SENTENCE * 2}</p>" for _ in range(3))
    html = (f"<html><body><article>{body}<p>Advertisement:</p><div>Anzeige</div><p>{_SENTENCE}</p>"
            f"<figure><img src='/a.jpg' width='600'><figcaption>Credit:</figcaption></figure>"
            f"<h2>Credits</h2><p>Photo by Jane Doe, used with her kind permission for this article.</p></article></body></html>")
    doc = extract_html(html, url=URL)
    texts = [n.text for n in doc.texts]
    assert "Advertisement:" not in texts and "Anzeige" not in texts and "Credit:" not in texts
    assert "Credits" in texts and len(doc.images) == 1


def test_link_rich_list_is_kept_but_a_list_of_only_links_goes():
    body = "".join(f"<p>{_SENTENCE * 2}</p>" for _ in range(4))
    # about 55% of the list's text is link text (references, link-rich notes): content, not navigation
    cited = "".join(f'<li>Doe J. and Roe K., <a href="/p{i}">A linked paper title number {i}</a>, 2019.</li>' for i in range(6))
    menu = "".join(f'<li><a href="/m{i}">Menu entry {i}</a></li>' for i in range(6))
    html = f"<html><body><article>{body}<ul>{cited}</ul><ul>{menu}</ul></article></body></html>"
    text = extract_html(html, url=URL).text
    assert "A linked paper title number 5" in text and "Menu entry" not in text


def test_drop_cap_set_apart_joins_its_word_but_single_letters_elsewhere_stay():
    body = "".join(f"<p>{_SENTENCE * 2}</p>" for _ in range(3))
    html = (f'<html><body><article><div><span class="cap">T</span><p>urkey and Poland were added. {_SENTENCE}</p></div>'
            f'{body}<h2>R</h2><p>{_SENTENCE}</p><span>B</span><div><p>eta {_SENTENCE}</p></div></article></body></html>')
    texts = [(n.text[:8], n.kind) for n in extract_html(html, url=URL).texts]
    assert texts[0] == ("Turkey a", "paragraph")
    assert ("R", "heading") in texts and ("B", "paragraph") in texts  # a heading letter; a letter before a section


def test_replies_of_a_discussion_forum_posting_are_kept_beside_a_long_question():
    question = "".join(f"<p>{_SENTENCE * 3}</p>" for _ in range(2))  # the topic: prose outside the comments
    reply = "I had the same problem with my setup last week, and after a long search the fix in the manual worked for me"
    replies = "".join(_post(i, reply) for i in range(1, 5))
    topic = f'<div itemscope itemtype="http://schema.org/DiscussionForumPosting"><div class="post">{question}</div>{replies}</div>'
    doc = extract_html(f"<html><body>{topic}</body></html>", url=URL)
    assert "A sentence of article text" in doc.text and all(f"worked for me ({i})" in doc.text for i in range(1, 5))
    plain = extract_html(f"<html><body><div>{question}{replies}</div></body></html>", url=URL)
    assert "worked for me" not in plain.text  # the same comments under an article of that length go


def test_comments_named_replies_are_kept_on_a_page_whose_json_ld_declares_a_discussion():
    question = "".join(f"<p>{_SENTENCE * 3}</p>" for _ in range(2))  # the topic: prose outside the comments
    replies = _comments(6, "I had the same problem last week, and the fix in the manual worked for me")
    body = f'<body><div class="topic">{question}<div class="comments">{replies}</div></div></body>'
    for kind in ("DiscussionForumPosting", "QAPage"):
        ld = f'<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "{kind}"}}</script>'
        doc = extract_html(f"<html><head>{ld}</head>{body}</html>", url=URL)
        assert "A sentence of article text" in doc.text and all(f"worked for me ({i})" in doc.text for i in range(6))
    article = '<script type="application/ld+json">{"@type": "NewsArticle"}</script>'
    plain = extract_html(f"<html><head>{article}</head>{body}</html>", url=URL)
    assert "A sentence of article text" in plain.text and "worked for me" not in plain.text


def test_a_forum_topic_declared_in_json_ld_keeps_its_replies(shared_data):
    """A Vanilla forum topic (JSON-LD DiscussionForumPosting) whose replies sit in a box named
    "DataBox-Comments" after a long opening post: the replies are the thread, not an article's comments."""
    page = shared_data / "html" / "wcxb-dev" / "html" / "0559.html.gz"
    text = extract_html(gzip.decompress(page.read_bytes())).text
    assert "Higher Logic is currently evaluating our approach to our Open Source offerings" in text
    assert "Really sad but I think we all saw it coming to an end" in text


def test_scan_walk_finds_every_wanted_tag_as_a_query_would():
    """The scan compares lexbor's tag ids: foreign, custom and look-alike elements must not confuse it."""
    body = "".join(f"<{tag}>x</{tag}>" for tag in sorted(WANTED_TAGS) if tag not in ("title", "base", "meta", "link"))
    page = (
        "<html><head><title>t</title><base href='/'><meta charset=utf-8><link rel=x href=y></head><body>"
        f"{body}<svg><title>s</title><style>.a{{}}</style></svg><math><mi>x</mi></math>"
        "<script-x>custom</script-x><navy>n</navy><my-nav>m</my-nav><p>text</p></body></html>"
    )
    tree = LexborHTMLParser(page)
    found = scan(tree)
    walked = [n.mem_id for bucket in (found.head, found.junk, found.noscripts, found.chrome, found.maths) for n in bucket]
    queried = [n.mem_id for n in tree.root.css(", ".join(sorted(WANTED_TAGS)))]
    assert sorted(set(walked)) == sorted(queried)
    assert {n.tag for n in found.chrome} == {"nav", "aside"}
    assert [n.tag for n in found.textareas] == ["textarea"]


def test_tag_ids_the_walk_and_scoring_read_name_the_tags_they_stand_for():
    """The walk and the paragraph scoring compare lexbor tag ids, not names: each id must be the one
    of its tag wherever it stands (custom and foreign elements included), and a layout cell is one
    holding a block at any depth."""
    score, walk, tag_ids = (importlib.import_module(f"omniweave.extract.{name}") for name in ("score", "walk", "tag_ids"))
    page = ("<html><body><div><p>t<img src=x.png><a href=y>l</a></p><x-p>c</x-p><svg><a>s</a></svg>"
            "<table><tr><td><span><p>deep</p></span></td><td><b>inline</b></td></tr></table></div></body></html>")
    tree = LexborHTMLParser(page)
    for node in tree.root.traverse(include_text=True):
        assert walk._NOT_INLINE_IDS.get(node.tag_id, node.tag) == node.tag
        assert (node.tag_id == tag_ids.TEXT_ID) == (node.tag == "-text")
        assert (node.tag_id == walk._IMG_ID) == (node.tag == "img")
        assert (node.tag_id in score._STOP_IDS) == (node.tag in score._STOP)
    assert tree.root.parent.tag_id in score._STOP_IDS
    assert [c.text() for c in tree.body.css(score._LAYOUT_CELLS)] == ["deep"]


def test_breadcrumb_trail_lines_go_in_any_script():
    article = "".join(f"<p>{_SENTENCE * 2}</p>" for _ in range(3))
    for trail in ('当前位置：<a href="/">首页</a> &gt; <a href="/n">新闻</a>', 'You are here: <a href="/">Home</a> &gt; Docs'):
        html = f'<html><body><div class="main"><div class="where">{trail}</div><h1>Title</h1>{article}</div></body></html>'
        doc = extract_html(html, url=URL)
        assert "A sentence of article text" in doc.text
        assert "当前位置" not in doc.text and "You are here" not in doc.text


def test_bylines_and_datelines_before_the_body_go_in_any_script_but_dated_text_stays():
    article = "".join(f"<p>{_SENTENCE * 2}</p>" for _ in range(3))
    later = "<p>Mittwoch, 26.01.2022 - 14:30</p><p>By the river</p>"  # after the first long block: body text
    for meta in ("<p>Last updated: January 7, 2025</p><p>Reviewed by Jane Doe, MD</p>",
                 "<p>本报记者 王燕平 方云凤</p><p>2022.01.20 16:31 来源：河南日报客户端</p>",
                 "<div>Oct 18, 2019 · 8 min read</div><p>Von Uta Helkenberg</p>"):
        html = (f"<html><body><article><h1>Report of 12 May 2021</h1>{meta}{article}{later}"
                "</article></body></html>")
        texts = [n.text for n in extract_html(html, url=URL).texts]
        assert texts[0] == "Report of 12 May 2021" and texts[1].startswith("A sentence of article text"), texts
        assert texts[-2:] == ["Mittwoch, 26.01.2022 - 14:30", "By the river"]
    # a short first paragraph that happens to hold a date, with more words than a dateline has
    lead = "<p>The council met on 5.8.2019 to approve the minutes of its last meeting.</p>"
    doc = extract_html(f"<html><body><article>{lead}{article}</article></body></html>", url=URL)
    assert doc.texts[0].text.startswith("The council met on 5.8.2019")


def test_links_named_as_page_chrome_inside_a_sentence_stay_words_of_it():
    article = "".join(f"<p>{_SENTENCE * 2}</p>" for _ in range(3))
    consent = ('<p>By signing up, you agree to the <a class="legal-link" href="/t">Terms of Service</a> and '
               '<a class="legal-link" href="/p">Privacy Policy</a>, including <span class="legal">Cookie Use</span>.</p>')
    doc = extract_html(f'<html><body><article>{article}{consent}</article></body></html>', url=URL)
    assert "you agree to the Terms of Service and Privacy Policy, including Cookie Use." in doc.text
    alone = extract_html(f'<html><body><article>{article}<div class="legal">Legal notice</div></article></body></html>', url=URL)
    assert "Legal notice" not in alone.text  # a block of its own named as chrome still goes


def test_mathml_is_text_in_place_tex_when_annotated():
    tex = ('<math display="block"><semantics><mrow><mi>E</mi><mo>=</mo><mi>m</mi><msup><mi>c</mi><mn>2</mn></msup>'
           '</mrow><annotation encoding="application/x-tex">E = mc^2</annotation></semantics></math>')
    plain = "<math><mi>x</mi><mo>+</mo><mn>1</mn></math>"
    html = (f"<html><body><article><p>{_SENTENCE}The energy is {tex} as stated.</p>"
            f"<p>{_SENTENCE}The sum {plain} grows.</p><p>{_SENTENCE * 2}</p></article></body></html>")
    text = extract_html(html, url=URL).text
    assert "The energy is $$E = mc^2$$ as stated." in text
    assert "The sum x + 1 grows." in text


def test_a_page_with_visible_text_never_extracts_empty():
    pages = [
        '<html><body><ul><li><a href="/a">Alpha page</a></li><li><a href="/b">Beta page</a></li></ul></body></html>',
        '<html><body><nav><a href="/a">Alpha page</a> and more</nav></body></html>',
        '<html><body><div style="display:none"><p>Text shown once scripts run.</p></div></body></html>',
    ]
    for html in pages:
        assert extract_html(html, url=URL).text.strip()
    assert extract_html("<html><body> <script>var x = 1;</script> </body></html>", url=URL).text == ""


def _thread(n: int) -> str:
    return "".join(f'<div class="post"><span>user{i}</span><p>{_SENTENCE}Reply number {i}.</p></div>' for i in range(n))


def test_a_thread_served_in_noscript_is_kept_with_every_post():
    html = (f'<html><body><noscript><div id="main-outlet"><h1>Which version?</h1>{_thread(12)}</div></noscript>'
            f'<div id="app"></div></body></html>')
    doc = extract_html(html, url=URL)
    assert all(f"Reply number {i}." in doc.text for i in range(12))


def test_a_noscript_copy_beside_the_rendered_page_and_a_script_notice_go():
    rendered = "".join(f"<p>{_SENTENCE * 2}Paragraph {i}.</p>" for i in range(8))
    copy = "".join(f"<p>A second copy for readers without scripts, paragraph {i}. {_SENTENCE}</p>" for i in range(4))
    html = (f'<html><body><noscript>Please enable JavaScript to use this site.</noscript>'
            f'<article>{rendered}<noscript>{copy}</noscript></article></body></html>')
    doc = extract_html(html, url=URL)
    assert "Paragraph 7." in doc.text
    assert "second copy" not in doc.text and "enable JavaScript" not in doc.text


def test_prose_named_as_content_and_boilerplate_stays_but_a_share_bar_goes():
    article = "".join(f"<p>{_SENTENCE * 3}</p>" for _ in range(6))
    html = (f'<html><body><main><h1>Guide</h1><div class="entry-content no-share">{article}</div>'
            '<div class="share-content"><p>Share this post on every network you know of, today.</p></div></main>'
            f'<div class="site-info">{"<p>About the site, its history and its many, many editors.</p>" * 30}</div>'
            "</body></html>")
    doc = extract_html(html, url=URL)
    assert "A sentence of article text" in doc.text and "Share this post" not in doc.text
    replies = "".join(f"<p>Reply {i}: I read it twice, and I agree with most of it, though not all.</p>" for i in range(20))
    with_comments = html.replace("</main>", f'<div class="comments-content">{replies}</div></main>')
    doc = extract_html(with_comments, url=URL)  # comments named as content are still comments
    assert "A sentence of article text" in doc.text and "I read it twice" not in doc.text


def test_paragraph_of_inline_links_is_text_of_the_article():
    linked = ('<p>See <a href="/a">the report by the agency</a> and <a href="/b">its summary of findings</a>, '
              'which <a href="/c">critics</a> called thin.</p>')
    html = (f'<html><body><nav><a href="/">Home</a></nav><article><h1>Title</h1><p>{_SENTENCE * 3}</p>{linked}'
            f'<p>{_SENTENCE * 2}</p><ul><li><a href="/x">Other story one here</a></li>'
            '<li><a href="/y">Other story two</a></li></ul></article></body></html>')
    text = extract_html(html, url=URL).text
    assert "See the report by the agency and its summary of findings, which critics called thin." in text
    assert "Other story" not in text


def _article_after_three_paragraphs(inner: str) -> str:
    body = "".join(f"<p>{_SENTENCE * 2}</p>" for _ in range(3))
    return f"<html><body><article>{body}{inner}</article></body></html>"


def test_a_figures_caption_rides_on_its_image_and_is_text_only_where_no_image_carries_it():
    html = _article_after_three_paragraphs(
            f"<figure><img src='/a.jpg' width='600'><figcaption>The harbour at dawn</figcaption></figure>"
            f"<p>{_SENTENCE}</p><figure><img src='/pixel.gif' width='1' height='1'>"
            f"<figcaption>A figure whose picture is a tracking pixel</figcaption></figure>"
            f"<figure><figcaption>A chart drawn in script</figcaption></figure>")
    doc = extract_html(html, url=URL)
    texts = [n.text for n in doc.texts]
    assert [i.caption for i in doc.images] == ["The harbour at dawn"]
    assert "The harbour at dawn" not in texts  # not twice: the image carries it
    assert "A figure whose picture is a tracking pixel" in texts and "A chart drawn in script" in texts


def test_the_short_text_of_an_image_wrapper_is_its_images_caption_but_a_long_one_stays_text():
    html = _article_after_three_paragraphs(
            f"<div class='pic'><img src='/a.jpg' width='600'><p>Harbour cranes at dusk. Credit: J. Doe</p></div>"
            f"<p>{_SENTENCE}</p><div class='pic'><img src='/b.jpg' width='600'><p>{_SENTENCE * 4}</p></div>"
            f"<div class='card'><img src='/c.jpg' width='600'><p><a href='/story'>A linked story title</a></p></div>")
    doc = extract_html(html, url=URL)
    texts = [n.text for n in doc.texts]
    assert doc.images[0].caption == "Harbour cranes at dusk. Credit: J. Doe"
    assert "Harbour cranes at dusk. Credit: J. Doe" not in texts
    assert doc.images[1].caption is None and (_SENTENCE * 4).strip() in texts  # long: text
    assert doc.images[2].caption is None  # a linked title is a card's, not a caption


def test_standfirst_in_the_article_header_is_kept_when_the_pages_first_h1_is_a_logo():
    lead = "A standfirst that sums up the whole story in one long sentence, the way that news sites like to put it first."
    body = "".join(f"<p>{_SENTENCE * 2}</p>" for _ in range(5))
    html = (f'<html><body><div class="masthead"><h1><a href="/">The Daily Site</a></h1></div><article>'
            f'<header class="article-head"><span>Chronicle</span><h1>The headline</h1><h2>{lead}</h2></header>'
            f'<div class="article-body">{body}</div></article><div class="foot">Contact</div></body></html>')
    text = extract_html(html, url=URL).text
    assert text.index(lead) < text.index("A sentence of article text")
    assert "Chronicle" not in text



def test_excerpt_under_an_h2_title_is_kept_on_a_page_without_an_h1():
    lead = "An excerpt that sums up the whole story in one long sentence, the way that blogs like to put it first."
    body = "".join(f"<p>{_SENTENCE * 2}</p>" for _ in range(5))
    html = (f'<html><body><div class="nav"><a href="/">Home</a></div><article><div class="article-header">'
            f'<h2>The headline</h2><p class="excerpt">{lead}</p></div>'
            f'<div class="row"><div class="text">{body}</div></div></article></body></html>')
    text = extract_html(html, url=URL).text
    assert text.index("The headline") < text.index(lead) < text.index("A sentence of article text")
