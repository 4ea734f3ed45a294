"""omniweave: turn raw web crawls into clean image-text interleaved corpora."""

from omniweave.document import Document, ImageNode, Source, TextNode
from omniweave.extract import extract_html

__version__ = "0.1.0"
__all__ = ["Document", "ImageNode", "Source", "TextNode", "extract_html", "__version__"]
