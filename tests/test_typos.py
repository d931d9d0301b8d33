"""A long drug name typed with one slip still reads as that drug; ordinary words do not."""

import pytest

from nlp import resources
from nlp.typos import TypoLexicon, within_one_edit


@pytest.fixture(scope="module")
def lexicon():
    drugs = resources.drug_lexicon()
    return TypoLexicon(
        (term, drug.name)
        for drug in drugs.drugs
        for term in drug.terms
        if term not in drugs.exact_only
    )


@pytest.mark.parametrize(
    ("word", "drug"),
    [
        ("dexametasone", "dexamethasone"),  # a letter missing
        ("Triamcinolonne", "triamcinolone"),  # a letter extra, capitalized
        ("bupivacyine", "bupivacaine"),  # a letter changed
        ("ropivacaien", "ropivacaine"),  # two neighbours swapped
        ("midazolm", "midazolam"),
    ],
)
def test_one_slip_from_a_long_name_is_that_name(lexicon, word, drug):
    assert lexicon.correct(word) == drug


@pytest.mark.parametrize(
    "word",
    ["contract", "contracts", "dexamethasone", "medroll", "lidocaine", "procedure", "stenosis"],
)
def test_exact_names_ordinary_words_and_short_names_are_not_corrected(lexicon, word):
    assert lexicon.correct(word) is None


def test_a_word_as_close_to_two_drugs_is_left_alone():
    both = TypoLexicon([("abcdefgh", "first"), ("abcdefgk", "second")])
    assert both.correct("abcdefgx") is None


def test_edit_distance_of_one():
    assert within_one_edit("fluoroscopy", "flouroscopy")
    assert not within_one_edit("bupivacaine", "ropivacaine")
    assert not within_one_edit("abcd", "abcdef")


def test_a_misspelt_steroid_counts_as_the_injected_steroid(run):
    result = run(
        "Procedure: L4-5 interlaminar ESI under fluoroscopy.\n"
        "Technique: loss of resistance at L4-5, injected dexametasone 10 mg (1 ml) with "
        "PF NS 2 ml. Patient has an opioid contract.\n"
    )
    names = {m.name: m for m in result.medications}
    assert names["dexamethasone"].dose.value == 10
    assert "iodinated contrast" not in names and result.procedure.contrast.status is None


def test_a_name_one_slip_from_a_drug_is_a_name(run):
    """'Celestine' is one letter from Celestone; in the patient field or after a title it is
    a person, not betamethasone."""
    result = run(
        "PATIENT: HAVERFORD, CELESTINE      AGE/SEX: 56 F\n"
        "Seen with her sister, Ms. Celestine Park.\n"
        "PROCEDURE: L4-5 interlaminar ESI under fluoroscopy, LOR. Dexamethasone 10 mg.\n"
    )
    assert {m.name for m in result.medications} == {"dexamethasone"}
