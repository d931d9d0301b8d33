"""Fast sentence boundaries for clinical notes (replaces PyRuSH in the hot path).

Procedure notes are line-oriented: headers, labelled fields and bullets each start a new
sentence; dictated paragraphs break at sentence punctuation. A single pass over the tokens
costs about as much as tokenizing, where PyRuSH costs ~25x that.
"""

from spacy.language import Language
from spacy.tokens import Doc

_TERMINATORS = {".", "?", "!", ";"}
_BULLETS = {"-", "*", "\u2022", "o", ">"}
_ABBREVIATIONS = {"dr", "mr", "mrs", "ms", "approx", "vs", "e.g", "i.e", "pt", "st", "no", "fig"}


@Language.factory("esicheck_sentences", assigns=["token.is_sent_start"])
def make_sentence_splitter(nlp: Language, name: str) -> "ClinicalSentenceSplitter":
    return ClinicalSentenceSplitter()


class ClinicalSentenceSplitter:
    """Start a sentence after a line break (unless the line wraps mid-sentence), after a
    colon-terminated header, and after terminal punctuation followed by a capital or digit."""

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        previous_text = ""
        new_line = True
        for token in doc:
            text = token.text
            if token.i == 0:
                token.is_sent_start = True
            elif token.is_space:
                token.is_sent_start = False
                if "\n" in text:
                    new_line = True
                continue
            elif new_line:
                wraps = (
                    text[:1].islower()
                    and previous_text not in _TERMINATORS
                    and previous_text != ":"
                    and "\n\n" not in doc[token.i - 1].text_with_ws
                )
                token.is_sent_start = not wraps
            elif previous_text in _TERMINATORS:
                prev = doc[token.i - 2].lower_ if token.i >= 2 else ""
                token.is_sent_start = (text[:1].isupper() or text[:1].isdigit()) and (
                    prev not in _ABBREVIATIONS
                )
            else:
                token.is_sent_start = False
            if "\n" in token.whitespace_:
                new_line = True
            else:
                new_line = "\n" in text
            previous_text = text
        return doc
