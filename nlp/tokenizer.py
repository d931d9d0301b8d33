"""A clinical tokenizer: spaCy's English rules plus number/unit splits and whole spinal levels.

`80mg` -> `80 mg`, `2cc` -> `2 cc`, `1%lidocaine` -> `1 % lidocaine`, `kenalog40` ->
`kenalog 40`, while `L4-5`, `L5/S1`, `L5S1`, `C7-T1` and `T12-L1` stay single tokens so level
spans never cut through a token.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

from nlp.extensions import register_extensions
from nlp.normalize import reading_text

# A spinal level or interspace written without spaces: L4, L4-5, L4-L5, L5/S1, L5S1, L45, C7-T1.
SPINAL_LEVEL_TOKEN = re.compile(
    r"^[CTLSctls]\d{1,2}(?:[-/\u2013][CTLSctls]?\d{1,2}|[CTLSctls]\d)?$"
)
_UNIT_SUFFIXES = [r"(?<=[0-9])(?:mg|mcg|ug|ml|mL|cc|cm|mm|g|%|kg|units?)"]
_EXTRA_INFIXES = [
    r"(?<=[0-9])%(?=[A-Za-z])",  # 1%lidocaine
    r"(?<=[0-9])(?:mg|mcg|ml|mL|cc)(?=[/A-Za-z])",  # 40mg/ml, 2mlof
    r"(?<=[A-Za-z])[:](?=[A-Za-z0-9])",  # Dx:radiculopathy
    r"(?<=[A-Za-z]{3})(?=[0-9])",  # kenalog40, Omnipaque300, DMP80: a name glued to its strength
    r'(?<=[:,{\[])"|"(?=[:,}\]])',  # "imaging":"fluoroscopy": the quotes of a JSON export
    r"(?<=[a-z]{3})(?=[A-Z]{2})|(?<=[A-Z]{3})(?=[a-z]{3})",  # fluoroAP, LORsaline: typed as one
]


def _clinical_exceptions(exceptions: dict) -> dict:
    """spaCy's tokenizer exceptions without its emoticons that hold a bracket: in a note
    "):" closes an aside before a colon ("CT myelogram (MRI not possible - pacemaker): ...")
    and "(:" or "8)" are never faces."""
    return {text: rule for text, rule in exceptions.items() if not {"(", ")"} & set(text)}


def clinical_tokenizer(nlp: Language) -> BoundedTokenizer:
    """Build the tokenizer from the language defaults plus the clinical additions above."""
    register_extensions()  # the tokenizer stores each note's text in doc._.esi_text
    defaults = nlp.Defaults
    prefixes = list(defaults.prefixes) + [r"[*\u2022]"]
    suffixes = _UNIT_SUFFIXES + list(defaults.suffixes)
    infixes = _EXTRA_INFIXES + list(defaults.infixes)
    return BoundedTokenizer(
        Tokenizer(
            nlp.vocab,
            rules=_clinical_exceptions(defaults.tokenizer_exceptions),
            prefix_search=compile_prefix_regex(prefixes).search,
            suffix_search=compile_suffix_regex(suffixes).search,
            infix_finditer=compile_infix_regex(infixes).finditer,
            token_match=SPINAL_LEVEL_TOKEN.match,
            url_match=None,
        )
    )


# spaCy's affix loop is quadratic in the length of a run without spaces ("((((..." x 100k takes
# minutes); no clinical token is this long, so such runs are cut into fixed pieces instead.
LONG_RUN = re.compile(r"\S{120,}")
_PIECE = 40


# Distinct space-free chunks remembered for cache warming; past this many the set starts over
# (spaCy's own cache keeps what it stored, so forgetting only costs a repeated warm-up).
_SEEN_LIMIT = 200_000


class BoundedTokenizer:
    """Wrap the clinical tokenizer so pathological input tokenizes in linear time.

    Text between over-long space-free runs goes through the real tokenizer; each long run is
    split into 40-character tokens. The Doc's text is always exactly the input text.

    It also keeps spaCy's chunk cache useful: spaCy stops caching new chunks for the rest of
    a text once one tokenizer exception ("Dr.", "'s") has matched in it, so in a clinical note
    about a quarter of the chunks were re-split by the affix regexes on every call. Each
    chunk not seen before is first tokenized on its own (where the cache does store it), so
    the note itself is then read from the cache. The tokens are the same: the cache holds
    exactly what the affix rules produce for the chunk.
    """

    def __init__(self, tokenizer: Tokenizer) -> None:
        self.tokenizer = tokenizer
        self.vocab = tokenizer.vocab
        self._seen: set[str] = set()

    def _warm(self, text: str) -> None:
        """Tokenize every chunk of `text` not seen before alone, so spaCy caches it."""
        chunks = text.split()
        if self._seen.issuperset(chunks):
            return  # the usual case once a corpus's vocabulary has been seen
        new = set(chunks)
        new.difference_update(self._seen)
        if len(self._seen) + len(new) > _SEEN_LIMIT:
            self._seen.clear()
        self._seen.update(new)
        tokenize = self.tokenizer
        for chunk in new:
            tokenize(chunk)

    def __call__(self, text: str) -> Doc:
        if not LONG_RUN.search(text):
            reading = reading_text(text)  # same length: wraps as spaces, OCR repairs
            self._warm(reading)
            doc = self.tokenizer(reading)
            # spaCy's tokenizer is lossless (Doc.text == reading): keep the text so later
            # steps need not re-join every token (see nlp.extensions.doc_text).
            doc._.esi_text = reading
            if reading != text:
                doc._.esi_original = text  # evidence quotes the note as written
            return doc
        words: list[str] = []
        spaces: list[bool] = []
        position = 0
        for match in LONG_RUN.finditer(text):
            self._append(text[position : match.start()], words, spaces)
            run = match.group(0)
            for i in range(0, len(run), _PIECE):
                words.append(run[i : i + _PIECE])
                spaces.append(False)
            position = match.end()
        self._append(text[position:], words, spaces)
        # A single trailing space after a piece belongs to that piece, as spaCy would store it.
        merged_words: list[str] = []
        merged_spaces: list[bool] = []
        for word, space in zip(words, spaces, strict=True):
            if word == " " and merged_words and not merged_spaces[-1]:
                merged_spaces[-1] = True
                continue
            merged_words.append(word)
            merged_spaces.append(space)
        return Doc(self.vocab, words=merged_words, spaces=merged_spaces)

    def _append(self, segment: str, words: list[str], spaces: list[bool]) -> None:
        if not segment:
            return
        for token in self.tokenizer(segment):
            words.append(token.text)
            spaces.append(bool(token.whitespace_))

    def pipe(self, texts, batch_size: int = 1000):  # noqa: ANN001, ANN201 - spaCy's signature
        for text in texts:
            yield self(text)
