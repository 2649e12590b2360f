"""Renders Markdown the way a chat service would and says what a reader would see.

Used by MarkdownRenderingTests (Swift) as a real CommonMark renderer: markdown-it-py (Debian's
python3-markdown-it, which `make deps` installs) in strict CommonMark mode plus the GFM tables
and strike-through that Mattermost and Discord also render.

    python3 render_markdown.py INPUT.json OUTPUT.json

INPUT is a JSON array of Markdown documents; OUTPUT gets one object per document:
`text` (the visible text: text and code content, a newline between blocks and for line breaks)
and `nodes` (the sorted names, once per occurrence, of every node other than a plain paragraph of text: `em_open`,
`link_open`, `code_inline`, `html_inline`, `heading_open`, `image`, ...).
"""

import json
import sys

try:
    from markdown_it import MarkdownIt
except ImportError:
    sys.stderr.write("markdown-it-py is not installed: run `make deps` (Debian package python3-markdown-it)\n")
    sys.exit(3)

PLAIN = {"paragraph_open", "paragraph_close", "inline", "text", "softbreak"}


def visible(tokens, nodes):
    out = []
    for token in tokens:
        if token.type not in PLAIN:
            nodes.append(token.type)
        if token.children:
            out.append(visible(token.children, nodes))
        elif token.type in ("text", "code_inline", "html_inline"):
            out.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            out.append("\n")
        elif token.type in ("fence", "code_block", "html_block"):
            out.append(token.content)
        elif token.type == "paragraph_close" and token.level == 0:
            out.append("\n")
    return "".join(out)


def main():
    renderer = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    with open(sys.argv[1], encoding="utf-8") as f:
        documents = json.load(f)
    results = []
    for document in documents:
        nodes = []
        text = visible(renderer.parse(document), nodes)
        results.append({"text": text.rstrip("\n"), "nodes": sorted(nodes)})
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(results, f, ensure_ascii=False)


main()
