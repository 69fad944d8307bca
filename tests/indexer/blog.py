"""A small blog served over real HTTP on 127.0.0.1 for the sync tests, in the shape of a CANPAN
blog: an RDF feed (``/seisaku/index.rdf``) whose entries carry a title, link, date, category and
the first lines of the post, a top page that links the feed, and one page per post with the site's
furniture around the article. Every request is recorded server-side. The posts are our own words."""

from __future__ import annotations

import gzip
import hashlib
import html
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LAST_MODIFIED = "Fri, 10 May 2024 00:00:00 GMT"


@dataclass
class Route:
    body: bytes
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    validators: bool = True
    """Answer ETag / Last-Modified and 304 to a matching conditional GET."""
    delay: float = 0.0
    chunked: bool = False
    gzip: bool = False
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    status: int
    at: float
    """When it arrived (time.monotonic())."""


@dataclass
class Post:
    number: int
    title: str
    date: str  # ISO with offset, as dc:date writes it
    category: str
    excerpt: str
    paragraphs: list[list[str]]
    """Paragraphs of the page, each a list of lines (written with <br> inside, <br><br> between)."""


class Blog:
    """``Blog()`` as a context manager: a running server; ``routes`` and ``posts`` can change
    between syncs (call :meth:`publish` after changing ``posts``)."""

    def __init__(self, posts: list[Post]) -> None:
        self.posts = posts
        self.routes: dict[str, Route] = {}
        self.requests: list[Seen] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.publish()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def feed_url(self) -> str:
        return self.base + "/seisaku/index.rdf"

    def post_url(self, number: int) -> str:
        return f"{self.base}/seisaku/archive/{number}"

    def publish(self) -> None:
        """(Re)write the feed, the top page and every post page from :attr:`posts`."""
        self.routes["/seisaku/index.rdf"] = Route(self.feed(), content_type="application/rdf+xml")
        self.routes["/seisaku/"] = Route(self.top_page())
        for post in self.posts:
            self.routes[f"/seisaku/archive/{post.number}"] = Route(self.page(post))

    def paths(self) -> list[str]:
        with self.lock:
            return [seen.path for seen in self.requests]

    def forget(self) -> None:
        with self.lock:
            self.requests.clear()

    def __enter__(self) -> "Blog":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- the blog's documents -----------------------------------------------------------------

    def feed(self) -> bytes:
        items = "".join(f"""
  <item rdf:about="{self.post_url(p.number)}">
    <title>{html.escape(p.title)}</title>
    <link>{self.post_url(p.number)}</link>
    <description>{html.escape(p.excerpt)}</description>
    <dc:subject>{html.escape(p.category)}</dc:subject>
    <dc:creator>政策メモ</dc:creator>
    <dc:date>{p.date}</dc:date>
  </item>""" for p in self.posts)
        seq = "".join(f'<rdf:li rdf:resource="{self.post_url(p.number)}"/>' for p in self.posts)
        return f"""<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xml:lang="ja">
  <channel rdf:about="{self.base}/seisaku/index.rdf">
    <title>政策メモ（試験用ブログ）</title>
    <link>{self.base}/seisaku/</link>
    <description>会議資料を読んで書き留めるブログ</description>
    <items><rdf:Seq>{seq}</rdf:Seq></items>
  </channel>{items}
</rdf:RDF>
""".encode("utf-8")

    def top_page(self) -> bytes:
        return f"""<!DOCTYPE html>
<html lang="ja"><head><meta charset="UTF-8"><title>政策メモ（試験用ブログ）</title>
<link rel="stylesheet" href="/seisaku/style.css">
<link rel="alternate" type="application/rdf+xml" title="RDF" href="/seisaku/index.rdf">
</head><body><h1>政策メモ</h1><p>会議資料を読んで書き留めるブログです。</p></body></html>
""".encode("utf-8")

    def page(self, post: Post) -> bytes:
        day = post.date[:10]
        y, m, d = day.split("-")
        text = "<br>\n<br>\n".join("<br>\n".join(html.escape(line) for line in para)
                                   for para in post.paragraphs)
        return f"""<!DOCTYPE html>
<html lang="ja">
<head><meta charset="UTF-8">
<title>{html.escape(post.title)} | 政策メモ（試験用ブログ）</title>
<link rel="alternate" type="application/rdf+xml" title="RDF" href="/seisaku/index.rdf">
</head>
<body>
<div id="header"><div class="search">CANPAN ブログ検索</div><p>Loading</p><a href="#">もっと見る</a></div>
<div id="container">
<div id="content">
<div class="navi"><a href="/seisaku/archive/1">«前の記事</a> | <a href="/seisaku/">Main</a> | <a href="/seisaku/archive/3">次の記事»</a></div>
<div class="blogbody">
<h3 class="title">{html.escape(post.title)} [{y}年{m}月{d}日(Fri)]</h3>
<div class="text">
{text}
</div>
<div class="posted">Posted by 政策メモ at 08:30 | {html.escape(post.category)} | この記事のURL</div>
<div class="trackback">トラックバック<br>※トラックバックの受付は終了しました</div>
<div class="comments">コメントする</div>
</div>
</div>
<div id="sidebar">
<h2>最新記事</h2><ul><li><a href="/seisaku/archive/3">別の記事</a></li></ul>
<h2>カテゴリアーカイブ</h2><ul><li><a href="#">介護(2)</a></li><li><a href="#">子育て支援(1)</a></li></ul>
<h2>月別アーカイブ</h2><ul><li><a href="#">2024年05月(3)</a></li></ul>
</div>
</div>
</body>
</html>
""".encode("utf-8")


def _handler(blog: Blog):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802
            route = blog.routes.get(self.path)
            status = 404 if route is None else route.status
            conditional = route is not None and route.validators and status == 200 and (
                self.headers.get("If-None-Match") == route.etag
                or (not self.headers.get("If-None-Match")
                    and self.headers.get("If-Modified-Since") == LAST_MODIFIED))
            if conditional:
                status = 304
            with blog.lock:
                blog.requests.append(Seen(self.path, dict(self.headers), status, time.monotonic()))
            if route is not None and route.delay:
                time.sleep(route.delay)
            if route is None:
                return self._send(404, {"Content-Type": "text/plain"}, b"not found")
            headers = {"Content-Type": route.content_type, **route.headers}
            if route.validators:
                headers.update({"ETag": route.etag, "Last-Modified": LAST_MODIFIED})
            if conditional:
                return self._send(304, headers, b"")
            body = route.body
            if route.gzip:
                body = gzip.compress(body)
                headers["Content-Encoding"] = "gzip"
            self._send(status, headers, body, route.chunked)

        def _send(self, status: int, headers: dict, body: bytes, chunked: bool = False) -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            elif status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                if chunked:
                    for i in range(0, len(body), 4096):
                        piece = body[i:i + 4096]
                        self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                    self.wfile.write(b"0\r\n\r\n")
                elif status != 304:
                    self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client refused the answer (too large) or gave up (timeout)
            self.close_connection = True

        def log_message(self, *args) -> None:
            pass

    return Handler


def canpan_posts() -> list[Post]:
    return [
        Post(1, "地域包括ケア推進会議（第3回）を読む", "2024-05-10T08:30:00+09:00", "介護",
             "第3回の会議資料が公開されました。在宅医療と介護の連携が議題です。",
             [["第3回の会議資料が公開されました。在宅医療と介護の連携が議題です。"],
              ["◯市町村の取組状況が報告された。", "◯見守り協定を結んだ事業者は前年度より増えた。"],
              ["資料の後半では、ゆいまーる型の通いの場を広げる方針が示された。"]]),
        Post(2, "保育士確保の検討会（第5回）", "2024-05-08T21:05:00+09:00", "子育て支援",
             "保育士の処遇改善について、検討会の資料から要点をまとめます。",
             [["保育士の処遇改善について、検討会の資料から要点をまとめます。"],
              ["◯潜在保育士の再就職を支える研修の拡充が提案された。"]]),
        Post(3, "介護人材の確保に関する部会", "2024-05-01T07:00:00+09:00", "介護",
             "介護人材の確保について部会で議論がありました。",
             [["介護人材の確保について部会で議論がありました。"],
              ["◯外国人介護人材の日本語学習を支える事業が紹介された。"]]),
    ]
