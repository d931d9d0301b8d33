"""ConText modifier scopes computed from the splitter's sentence bounds equal medspaCy's own
(`ConTextModifier` walking `doc[start].sent`), for every rule direction and `max_scope`."""

from pathlib import Path

from medspacy.context.context_modifier import ConTextModifier

from nlp.components import _sentence_scope
from nlp.extensions import sentence_spans

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "notes"


def test_scopes_match_medspacy_on_corpus_notes(nlp):
    context = nlp.get_pipe("esicheck_context")
    matcher = context._ConText__matcher
    compared = 0
    for path in sorted(CORPUS.glob("*/*.txt"))[::4]:
        doc = nlp(path.read_text(encoding="utf-8"))
        starts = [first for first, _, _ in sentence_spans(doc)]
        for match_id, start, end in matcher(doc):
            rule = matcher.rule_map[nlp.vocab[match_id].text]
            reference = ConTextModifier(rule, start, end, doc).scope_span
            key = max(i for i, first in enumerate(starts) if first <= start)
            sentence_end = starts[key + 1] if key + 1 < len(starts) else len(doc)
            assert _sentence_scope(rule, start, end, starts[key], sentence_end) == reference
            compared += 1
    assert compared > 500  # every direction and several max_scope rules were exercised
