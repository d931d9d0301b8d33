"""Drug names normalize to generics with roles; doses, volumes and routes are parsed."""

import pytest


def meds(run, sentence):
    text = (
        "PROCEDURE: L4-5 interlaminar ESI under fluoroscopy.\nDESCRIPTION: Loss of "
        f"resistance at L4-5. {sentence}\n"
    )
    return {(m.name, m.route): m for m in run(text).medications}


@pytest.mark.parametrize(
    ("sentence", "name", "dose", "volume"),
    [
        ("Depo-Medrol 80 mg was injected.", "methylprednisolone acetate", (80, "mg"), None),
        ("80mg DepoMedrol in 2cc was injected.", "methylprednisolone acetate", (80, "mg"), 2.0),
        ("Kenalog 40 mg/mL x 2 mL was injected.", "triamcinolone acetonide", (80, "mg"), 2.0),
        ("Injected 2 mL of Celestone Soluspan 6 mg/mL.", "betamethasone", (12, "mg"), 2.0),
        ("Decadron 10 mg (1 mL) was injected.", "dexamethasone", (10, "mg"), 1.0),
        ("Then 3 mL of 0.25% Marcaine was injected.", "bupivacaine", None, 3.0),
        ("Then 3 cc of 1% Carbocaine was injected.", "mepivacaine", None, 3.0),
        ("Solu-Medrol 80 mg in 2 mL was injected.", "methylprednisolone sodium succinate",
         (80, "mg"), 2.0),
    ],
)
def test_doses(run, sentence, name, dose, volume):
    med = meds(run, sentence)[(name, "epidural")]
    assert (med.dose.value, med.dose.unit) == dose if dose else med.dose is None
    assert med.volume_ml == volume


def test_percent_is_a_concentration_not_a_dose(run):
    med = meds(run, "Injected 4 mL of 0.2% Naropin.")[("ropivacaine", "epidural")]
    assert med.concentration == "0.2%" and med.dose is None and med.volume_ml == 4.0


def test_skin_infiltration_and_iv_sedation_are_not_the_injectate(run):
    found = meds(
        run,
        "The skin was anesthetized with 3 mL of 1% lidocaine. Versed 2 mg IV was "
        "given for anxiety. Kenalog 80 mg was injected into the epidural space.",
    )
    assert ("lidocaine", "skin") in found
    assert ("midazolam", "iv") in found
    assert ("triamcinolone acetonide", "epidural") in found


def test_allergy_and_home_medications_are_not_given(run):
    text = (
        "ALLERGIES: lidocaine (rash)\nCURRENT MEDICATIONS: dexamethasone 4 mg daily\n"
        "PROCEDURE: L4-5 interlaminar ESI under fluoroscopy.\n"
        "DESCRIPTION: Depo-Medrol 80 mg injected.\n"
    )
    names = {m.name for m in run(text).medications}
    assert names == {"methylprednisolone acetate"}


def test_needle_gauge_is_not_a_dose(run):
    found = meds(
        run, "A 20 g Tuohy needle was used; 2 mL of 1% lidocaine and Kenalog 80 mg were injected."
    )
    assert all(m.dose is None or m.dose.unit != "g" for m in found.values())


@pytest.mark.parametrize(
    ("sentence", "name", "volume"),
    [
        ("Omnipaque 180 1 mL through each needle (2 mL total) confirmed spread.", "iohexol", 2.0),
        ("Marcaine 0.25% 2 mL on each side (4 mL total) was injected.", "bupivacaine", 4.0),
        ("Then 2 mL of 0.25% bupivacaine on each side (4 mL total).", "bupivacaine", 4.0),
        ("Mixture: 0.25% bupivacaine 5 mL + Decadron 4 mg (1 mL), 3 mL per level (6 mL total).",
         "dexamethasone", 1.0),
    ],
)
def test_volume_is_the_session_total_when_one_is_given_after_a_per_site_amount(
    run, sentence, name, volume
):
    assert meds(run, sentence)[(name, "epidural")].volume_ml == volume


def test_dose_is_the_session_total_when_one_is_given_after_a_per_level_dose(run):
    sentence = "Dexamethasone 5 mg in 1 mL injected at each level (total 10 mg, 2 mL)."
    med = meds(run, sentence)[("dexamethasone", "epidural")]
    assert (med.dose.value, med.volume_ml) == (10.0, 2.0)


@pytest.mark.parametrize(
    "history",
    [
        "He tried meloxicam and a methylprednisolone taper without relief.",
        "Failed gabapentin and a Medrol Dosepak.",
    ],
)
def test_drugs_the_patient_tried_are_not_todays_injectate(run, history):
    names = set(n for n, _ in meds(run, f"{history} Dexamethasone 10 mg was injected."))
    assert "methylprednisolone acetate" not in names and "dexamethasone" in names


@pytest.mark.parametrize(
    ("sentence", "name", "dose", "volume"),
    [
        ("Dexamethasone 5 mg in 1 mL injected on each side.", "dexamethasone", 10.0, 2.0),
        ("Marcaine 0.25% 1 mL each side (2 mL).", "bupivacaine", None, 2.0),
    ],
)
def test_amounts_given_on_each_side_are_summed_unless_a_total_is_written(
    run, sentence, name, dose, volume
):
    med = meds(run, sentence)[(name, "epidural")]
    assert (med.dose.value if med.dose else None, med.volume_ml) == (dose, volume)


@pytest.mark.parametrize(
    ("sentence", "name", "dose", "volume"),
    [
        # The companion amount belongs to the dose it describes, not to the next name.
        (
            "Through each needle Kenalog 40 mg (1 mL) and 1 mL bupivacaine; for totals of "
            "triamcinolone 80 mg (2 mL), bupivacaine 2 mL.",
            "triamcinolone acetonide",
            80.0,
            2.0,
        ),
        ("- totals: dex 10 mg/1 mL, bupi 1 mL", "dexamethasone", 10.0, 1.0),
        # "total" after the companion amount: "80 mg in 2 mL total".
        (
            "Triamcinolone 40 mg in 1 mL was injected through each needle, 80 mg in 2 mL "
            "total.",
            "triamcinolone acetonide",
            80.0,
            2.0,
        ),
        # The per-site cue before the first amount still marks the later one as the total.
        (
            "Dexamethasone 10 mg was injected, each dose followed by 1 mL of preservative-free "
            "saline (2 mL total).",
            "sodium chloride",
            None,
            2.0,
        ),
        # A short qualifier in parentheses between a name and its amount.
        ("Totals: betamethasone 12 mg, lidocaine (PF) 2 mL, contrast 2 mL.", "lidocaine", None,
         2.0),
    ],
)
def test_session_totals_written_in_other_forms(run, sentence, name, dose, volume):
    med = meds(run, sentence)[(name, "epidural")]
    assert (med.dose.value if med.dose else None, med.volume_ml) == (dose, volume)


def test_a_repeat_count_before_a_total_marks_the_total(run):
    found = meds(run, "Skin: 1% lidocaine 1 mL x2 (2 mL). Kenalog 80 mg was injected.")
    assert found[("lidocaine", "skin")].volume_ml == 2.0


def test_a_stated_contrast_total_replaces_the_per_needle_volume(run):
    sentence = (
        "Omnipaque 240, 1 mL through each needle, showed epidural flow. Through each needle "
        "Kenalog 40 mg (1 mL). Totals: triamcinolone 80 mg (2 mL), contrast 2 mL."
    )
    assert meds(run, sentence)[("iohexol", "epidural")].volume_ml == 2.0


@pytest.mark.parametrize(
    ("sentence", "name", "dose", "volume"),
    [
        # "total" after a repeated name in its own clause.
        (
            "Injectate: dexamethasone 5 mg (0.5 mL) + 1% lidocaine 0.5 mL at each level "
            "(dexamethasone 10 mg, 1 mL total; lidocaine 1 mL total)",
            "dexamethasone",
            10.0,
            1.0,
        ),
        (
            "- Omnipaque 240 1 mL at L4-5\n- Omnipaque 240 1 mL at L5-S1\n- contrast total 2 mL",
            "iohexol",
            None,
            2.0,
        ),
        # A total list continued after ";" (the splitter starts a new sentence there).
        (
            "At each level: Kenalog 40 mg (1 mL) + 1% PF lidocaine 1 mL. Totals: triamcinolone "
            "80 mg / 2 mL; PF lidocaine 2 mL",
            "lidocaine",
            None,
            2.0,
        ),
    ],
)
def test_totals_named_after_the_per_level_amounts(run, sentence, name, dose, volume):
    med = meds(run, sentence)[(name, "epidural")]
    assert (med.dose.value if med.dose else None, med.volume_ml) == (dose, volume)


def test_amounts_written_level_by_level_add_up(run):
    sentence = (
        "Injectate: L3-L4: Depo-Medrol 40 mg (1 mL) + NS 1 mL;  L4-L5: Depo-Medrol 40 mg "
        "(1 mL) + NS 1 mL"
    )
    found = meds(run, sentence)
    steroid = found[("methylprednisolone acetate", "epidural")]
    assert (steroid.dose.value, steroid.volume_ml) == (80.0, 2.0)
    assert found[("sodium chloride", "epidural")].volume_ml == 2.0


def test_the_same_amount_restated_for_the_same_level_is_not_added(run):
    sentence = (
        "At L4-5, Depo-Medrol 80 mg in 2 mL was injected. At L4-5 the Depo-Medrol 80 mg "
        "spread well."
    )
    steroid = meds(run, sentence)[("methylprednisolone acetate", "epidural")]
    assert (steroid.dose.value, steroid.volume_ml) == (80.0, 2.0)


def test_a_total_after_a_per_level_list_is_the_session_total(run):
    sentence = "Omnipaque 240: L3-4 1.0 mL, L4-5 2.5 mL, L5-S1 1.5 mL (5 mL total)."
    assert meds(run, sentence)[("iohexol", "epidural")].volume_ml == 5.0


def test_a_mixture_total_is_not_one_ingredients_volume(run):
    sentence = (
        "Mixture: 0.25% bupivacaine 5 mL + dexamethasone 4 mg (1 mL), 3 mL per level "
        "(6 mL total)."
    )
    assert meds(run, sentence)[("dexamethasone", "epidural")].volume_ml == 1.0


def test_unticked_drug_options_are_not_given(run):
    text = (
        "L5 TFESI, fluoroscopy.\n"
        "Contrast: [X] Omnipaque 240  [ ] Isovue-M 200  [ ] None   Volume: 1 mL\n"
        "Steroid: [ ] Depo-Medrol  [ ] Kenalog  [X] Dexamethasone   Dose: 10 mg\n"
        "Local anesthetic injectate: [ ] Lidocaine  [ ] Bupivacaine  [X] None\n"
    )
    found = {m.name: m for m in run(text).medications}
    assert set(found) == {"iohexol", "dexamethasone"}
    assert found["iohexol"].volume_ml == 1.0 and found["dexamethasone"].dose.value == 10.0


def test_saline_for_a_hyphenated_loss_of_resistance_is_not_injectate(run):
    sentence = "Loss of resistance technique with preservative-free saline. Depo-Medrol 80 mg."
    found = meds(run, sentence)
    assert "sodium chloride" not in {name for name, _ in found}


def _two_level_tf(sentence):
    return (
        "PROCEDURE: Left L4 and L5 transforaminal epidural steroid injection, fluoroscopy.\n"
        "DESCRIPTION: 22 G needles to the left L4 and L5 foramina, subpedicular. "
        f"{sentence}\n"
    )


@pytest.mark.parametrize(
    ("sentence", "name", "dose", "volume"),
    [
        ("Omnipaque 240, 1 mL at each level, showed a neurogram.", "iohexol", None, 2.0),
        ("At each level, dexamethasone 5 mg (0.5 mL) was injected.", "dexamethasone", 10.0, 1.0),
        ("Each level: dexamethasone 5 mg (0.5 mL) + 0.5 mL 1% lidocaine", "lidocaine", None, 1.0),
        # A share of a prepared mixture is not multiplied into each ingredient.
        (
            "A mixture of 80 mg Depo-Medrol and 2 mL lidocaine; 1.5 mL of this mixture was "
            "injected at each level.",
            "methylprednisolone acetate",
            80.0,
            None,
        ),
        # A stated total wins.
        ("Dexamethasone 5 mg at each level (10 mg total).", "dexamethasone", 10.0, None),
        # Terse "amount/site" notation.
        ("Skin 1% lido 1ml/site. Isovue 0.5ml/site, neg vasc.", "iopamidol", None, 1.0),
    ],
)
def test_amounts_given_at_each_level_are_multiplied_by_the_levels(
    run, sentence, name, dose, volume
):
    med = {m.name: m for m in run(_two_level_tf(sentence)).medications}[name]
    assert (med.dose.value if med.dose else None, med.volume_ml) == (dose, volume)


def test_amounts_per_site_of_a_bilateral_transforaminal_count_every_needle(run):
    text = (
        "PROCEDURE: Bilateral L5 transforaminal epidural steroid injection, fluoroscopy.\n"
        "DESCRIPTION: Needles to the right and left L5 foramina. Skin 1% lidocaine 1 mL per "
        "site. Dexamethasone 4 mg was injected through each needle.\n"
    )
    found = {m.name: m for m in run(text).medications}
    assert found["lidocaine"].volume_ml == 2.0 and found["dexamethasone"].dose.value == 8.0


def test_dictated_contrast_and_cc_apostrophe(run):
    found = meds(
        run,
        "Two cc's of omni peak were injected. Then eighty milligrams of Kenalog and three cc's "
        "of normal saline were injected.",
    )
    assert found[("iohexol", "epidural")].volume_ml == 2.0
    assert found[("sodium chloride", "epidural")].volume_ml == 3.0
    assert found[("triamcinolone acetonide", "epidural")].volume_ml is None


def test_a_total_after_a_repeated_dose_is_the_session_total(run):
    found = meds(run, "Midazolam 1 mg IV was given and repeated once (2 mg total).")
    assert found[("midazolam", "iv")].dose.value == 2.0


def test_a_contrast_allergy_protocol_is_not_contrast_given(run):
    found = meds(
        run,
        "Per our contrast allergy protocol, the patient took prednisone 50 mg by mouth. "
        "Omnipaque 2 mL showed epidural spread.",
    )
    assert found[("iohexol", "epidural")].dose is None
    assert found[("iohexol", "epidural")].volume_ml == 2.0


@pytest.mark.parametrize(
    ("sentence", "volume"),
    [
        (
            "An assistant drew 20 mL of autologous blood from the left antecubital vein, and 17 "
            "mL was injected slowly until the patient reported back pressure.",
            17.0,
        ),
        (
            "20 mL of autologous blood was drawn by a second operator and injected slowly "
            "through the Tuohy needle.",
            20.0,
        ),
    ],
)
def test_blood_drawn_and_blood_injected(run, sentence, volume):
    assert meds(run, sentence)[("autologous blood", "epidural")].volume_ml == volume


def test_nacl_and_spelled_percent(run):
    found = meds(run, "Injected 2 cc of 0.25 percent bupivacaine and Depo-Medrol 80 mg with 1 mL "
                 "0.9% NaCl.")
    assert found[("bupivacaine", "epidural")].volume_ml == 2.0
    assert found[("sodium chloride", "epidural")].volume_ml == 1.0


def test_a_list_of_amounts_each_written_before_its_drug(run):
    found = meds(
        run,
        "Following negative aspiration, a mixture of 3 mL 0.25% bupivacaine, 2 mL "
        "preservative-free normal saline and 1 mL (10 mg) dexamethasone, total injectate 6 mL, "
        "was injected.",
    )
    amounts = {name: (m.dose.value if m.dose else None, m.volume_ml) for (name, _), m in
               found.items()}
    assert amounts["bupivacaine"] == (None, 3.0)
    assert amounts["sodium chloride"] == (None, 2.0)
    assert amounts["dexamethasone"] == (10.0, 1.0)


@pytest.mark.parametrize(
    "account",
    [
        "A second operator drew 20 mL of autologous blood from the left antecubital vein; "
        "18 mL was injected slowly into the epidural space.",
        "- RN drew 20ml autologous venous blood from L antecubital\n- 18ml injected slowly "
        "until pt reported back fullness",
    ],
)
def test_blood_injected_in_the_next_sentence_replaces_the_amount_drawn(run, account):
    text = (
        "PROCEDURE: Lumbar epidural blood patch at L2-3.\nDESCRIPTION: Tuohy needle, loss of "
        f"resistance at L2-3.\n{account}\n"
    )
    blood = {m.name: m for m in run(text).medications}["autologous blood"]
    assert blood.volume_ml == 18.0


def test_a_side_by_side_account_adds_up(run):
    text = (
        "PROCEDURE: Bilateral L5 transforaminal epidural steroid injection.\n"
        "Technique: Right side first: needle to the right L5 foramen, skin 1% lidocaine 2 mL. "
        "Dexamethasone 5 mg (0.5 mL) injected. The same was repeated on the left: 1% lidocaine "
        "2 mL to skin, needle to the left L5 foramen, dexamethasone 5 mg (0.5 mL).\n"
    )
    found = {m.name: m for m in run(text).medications}
    assert (found["dexamethasone"].dose.value, found["dexamethasone"].volume_ml) == (10.0, 1.0)
    assert found["lidocaine"].volume_ml == 4.0


def test_a_drug_named_twice_on_one_side_is_not_doubled(run):
    text = (
        "PROCEDURE: Left L5 transforaminal epidural steroid injection.\n"
        "Medications: dexamethasone 10 mg.\nTechnique: Left side: needle to the left L5 "
        "foramen; dexamethasone 10 mg (1 mL) injected.\n"
    )
    assert {m.name: m for m in run(text).medications}["dexamethasone"].dose.value == 10.0


@pytest.mark.parametrize(
    ("sentence", "name", "dose"),
    [
        ("Kenalog 80 + 6 cc NS injected.", "triamcinolone acetonide", 80.0),
        ("Injectate: dex 10 (1cc) with 1 cc 1% PF lido.", "dexamethasone", 10.0),
    ],
)
def test_a_bare_number_after_a_steroid_is_milligrams(run, sentence, name, dose):
    assert meds(run, sentence)[(name, "epidural")].dose.value == dose


def test_contrast_concentration_is_not_a_dose_and_ac_does_not_end_a_sentence(run):
    text = (
        "PROCEDURE: Caudal epidural steroid injection under fluoroscopy.\n"
        "DESCRIPTION: Needle through the sacral hiatus.\nMEDICATIONS ADMINISTERED\n"
        "Iohexol (Omnipaque)     240 mg/mL     4 mL       caudal epid.\n"
        "Methylprednisolone ac.  40 mg/mL      80 mg      caudal epid.\n"
    )
    found = {m.name: m for m in run(text).medications}
    assert found["iohexol"].dose is None and found["iohexol"].volume_ml == 4.0
    assert found["methylprednisolone acetate"].dose.value == 80.0


def test_a_steroid_volume_without_a_dose_is_not_read_as_milligrams(run):
    found = meds(run, "Then I injected Depo-Medrol 2 mL mixed with 3 mL of saline.")
    assert found[("methylprednisolone acetate", "epidural")].dose is None


def test_a_negation_inside_an_aside_stays_inside_it(run):
    found = meds(
        run,
        "Skin infiltrated with 0.25% bupivacaine 3 mL (lidocaine avoided d/t allergy). "
        "Kenalog 40 mg injected. Omnipaque (not given).",
    )
    assert found[("bupivacaine", "skin")].volume_ml == 3.0
    assert not any(name == "lidocaine" for name, _ in found)
    assert not any(name == "iohexol" for name, _ in found)  # an aside opening with "not"


def test_topical_home_medicines_in_an_unheaded_list_are_not_given_today(run):
    text = (
        "HPI: L5 radiculopathy, 8 weeks of PT.\n"
        "- triamcinolone 0.1% cream (dermatitis)\n- lidocaine 4% patch PRN\n\n"
        "PROCEDURE: L4-5 interlaminar ESI under fluoroscopy.\n"
        "Technique: skin wheal with 1% lidocaine 2 mL. LOR at L4-5. Dexamethasone 10 mg "
        "injected followed by 1 mL PF NS flush.\n"
    )
    found = {m.name: m for m in run(text).medications}
    assert "triamcinolone acetonide" not in found
    assert found["lidocaine"].dose is None and found["lidocaine"].volume_ml == 2.0
    assert found["sodium chloride"].volume_ml == 1.0  # a measured flush is injectate


def test_a_drug_name_glued_to_its_strength(run):
    found = meds(
        run, "then kenalog40 80mg + bupivacaine 0.25% 2cc injected, lidocaine1% 3 mL skin."
    )
    assert found[("triamcinolone acetonide", "epidural")].dose.value == 80
    assert ("lidocaine", "skin") in found


def test_shorthand_depo_medrol_glued_to_its_dose(run):
    found = meds(run, "20g tuohy midline L5S1, LOR NS, epidurogram ok\nDMP80 + NS 3cc\n")
    assert found[("methylprednisolone acetate", "epidural")].dose.value == 80


def test_commonwealth_names_and_units(run):
    found = meds(
        run,
        "Omnipaque 240 2 mls injected. I injected Depo-Medrone 80 mgs (2 mls) made up with 4 mls "
        "of 0.25% Chirocaine (levobupivacaine).",
    )
    steroid = found[("methylprednisolone acetate", "epidural")]
    assert (steroid.dose.value, steroid.dose.unit, steroid.volume_ml) == (80, "mg", 2.0)
    assert found[("levobupivacaine", "epidural")].volume_ml == 4.0


def test_a_concentration_times_a_volume_followed_by_another_drug(run):
    found = meds(run, "Injectate: Depo-Medrol 40 mg/mL x 2 mL with 0.25% bupivacaine PF 2 mL.")
    steroid = found[("methylprednisolone acetate", "epidural")]
    assert (steroid.dose.value, steroid.volume_ml) == (80, 2.0)
    assert found[("bupivacaine", "epidural")].volume_ml == 2.0


def test_saline_for_loss_of_resistance_without_a_preposition_is_technique(run):
    found = meds(run, "20G Tuohy right paramedian, LOR saline. Kenalog 40 mg injected.")
    assert not any(name == "sodium chloride" for name, _ in found)


@pytest.mark.parametrize(
    "sentence",
    [
        "Injected Celestone Soluspan 6 mg/mL 1 mL with 0.2% ropivacaine 1 mL.",
        "Injected betamethasone (Celestone Soluspan 6 mg/mL) 1 mL with 0.2% ropivacaine 1 mL.",
    ],
)
def test_a_volume_right_after_a_concentration_is_that_drugs(run, sentence):
    found = meds(run, sentence)
    steroid = found[("betamethasone", "epidural")]
    assert (steroid.dose.value, steroid.volume_ml) == (6, 1.0)
    assert found[("ropivacaine", "epidural")].volume_ml == 1.0


def test_a_products_strength_gives_way_to_the_stated_amount(run):
    found = meds(
        run,
        "Then slowly injected Kenacort-A 40 (triamcinolone 40 mg/ml) 2 mls + 0.5% Marcain 4 mls.",
    )
    steroid = found[("triamcinolone acetonide", "epidural")]
    assert (steroid.dose.value, steroid.volume_ml) == (80, 2.0)


def test_eye_drops_in_a_medication_list_are_not_injectate(run):
    found = meds(
        run,
        "Meds (reconciled today): celecoxib 200 mg daily, dexamethasone 0.1% ophthalmic drops "
        "(uveitis), levothyroxine 50 mcg.\n\nProcedure: 20G Tuohy at L4-5, LOR to saline. "
        "Betamethasone 12 mg (2 mL) injected.\n",
    )
    assert {name for name, _ in found} == {"betamethasone"}


@pytest.mark.parametrize(
    ("agent", "name"),
    [("Niopam 300", "iopamidol"), ("Visipaque 270", "iodixanol"), ("Ultravist 300", "iopromide")],
)
def test_contrast_agents_sold_under_other_names(run, agent, name):
    analysis = run(
        "L5/S1 ILESI under fluoroscopy. 18G Tuohy R paramedian, LOR at 5 cm. "
        f"{agent} 2 mls - epidural spread. Depo-Medrone 80 mg 2 mls injected.\n"
    )
    assert (analysis.procedure.contrast.status, analysis.procedure.contrast.agent) == ("used", name)


def test_an_allergen_in_an_inline_checklist_is_not_injectate(run):
    found = meds(
        run,
        "TIME-OUT: Procedure confirmed: Lumbar ESI L3-4 midline. Consent: yes. Allergies: "
        "morphine. All agree.\nPROCEDURE: 20G Tuohy at L3-4, LOR. Depo-Medrol 80 mg injected.\n",
    )
    assert {name for name, _ in found} == {"methylprednisolone acetate"}


@pytest.mark.parametrize(
    "line",
    ["Omni -> epidural spread, no vasc/IT.", "Standard prep. Omni confirmed epidural spread."],
)
def test_a_short_contrast_name_shown_spreading_is_a_contrast_given(run, line):
    result = run(
        "Proc: L5-S1 ILESI under fluoro. LOR to saline. " + line
        + " Depo-Medrol 80 mg injected."
    )
    assert "iohexol" in {m.name for m in result.medications}


def test_a_monitoring_line_ends_the_consent_section_before_the_technique(run):
    result = run(
        "Procedure: L L3-L4 interlaminar ESI with fluoroscopy\n"
        "Consent - R/B/A reviewed (bleeding, infection); written consent signed.\n"
        "Monitoring: BP, HR, SpO2 continuous.\n"
        "Prone, sterile prep. 20G Tuohy to the epidural space by LOR to saline. Iohexol "
        "240 mgI/mL 2 mL: epidurogram, no IV/IT. Injected betamethasone 12 mg / 2 mL.\n"
    )
    assert result.procedure.contrast.status == "used"


def test_sedation_fields_left_blank_are_no_sedation(run):
    result = run(
        "PROCEDURE: L4-5 ILESI under fluoro.\nSedation: Versed ___ mg / Fentanyl ___ mcg\n"
        "Depo-Medrol 80 mg injected.\n"
    )
    assert {m.name for m in result.medications} == {"methylprednisolone acetate"}


def test_an_allergies_and_adrs_list_is_not_a_drug_given(run):
    result = run(
        "PROCEDURE: L4-5 ILESI under fluoro.\n\nALLERGIES / ADRs\n  Morphine - pruritus\n\n"
        "DESCRIPTION: LOR to saline. Depo-Medrol 80 mg injected.\n"
    )
    assert "morphine" not in {m.name for m in result.medications}


def test_drugs_drawn_up_but_not_administered_were_not_given(run):
    result = run(
        "PROCEDURE: L4-5 ILESI.\nNarrative: AP fluoroscopy, 20 g Tuohy, LOR. Omnipaque 240, "
        "3 mL: epidural spread. The patient became bradycardic and the procedure stopped.\n\n"
        "Drawn up but NOT administered: Depo-Medrol 80 mg/1 mL and 1% PF lidocaine 2 mL - "
        "wasted.\n"
    )
    assert {m.name for m in result.medications} == {"iohexol"}
    assert result.procedure.procedure_type == "epidurogram"


@pytest.mark.parametrize(
    "text",
    [
        "IV access: 20 g right hand, saline-locked.\nLOR: saline\nDepo-Medrol 80 mg injected.",
        "[ ALLERGIES ]\n Morphine ..... hives\n\n[ PROCEDURE ]\nLOR to saline. Depo-Medrol 80 mg "
        "injected.",
    ],
)
def test_saline_locks_lor_fields_and_bracketed_allergy_headings_are_not_drugs_given(run, text):
    names = {m.name for m in run("PROCEDURE: L4-5 ILESI under fluoro.\n" + text).medications}
    assert names == {"methylprednisolone acetate"}


def test_a_strength_wrapped_onto_the_next_line_keeps_its_volume(run):
    result = run(
        "PROCEDURE: L4-5 ILESI under fluoro. LOR to saline.\nInjectate: methylprednisolone "
        "acetate 80 mg (Depo-Medrol 40 mg/mL, 2 mL) + bupivacaine 0.25%\nPF 2 mL.\n"
    )
    bupivacaine = next(m for m in result.medications if m.name == "bupivacaine")
    assert bupivacaine.volume_ml == 2.0
