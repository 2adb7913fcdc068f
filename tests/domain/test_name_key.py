import pytest
from hypothesis import given
from hypothesis import strategies as st

from spoke_client.domain import name_key

SAME = [
    ("Sita", "Seeta"),
    ("Geeta", "Gita"),
    ("Geetha", "Gita"),
    ("Lakshmi", "Laxmi"),
    ("Mohammad", "Mohammed"),
    ("Mohammad", "Muhammad"),
    ("Mohamed", "Muhammad"),
    ("Mohd", "Mohammad"),
    ("Chaudhary", "Choudhury"),
    ("Chaudhary", "Chowdhury"),
    ("Chaudhari", "Choudhary"),
    ("Sunil", "Suneel"),
    ("Pooja", "Puja"),
    ("Kavitha", "Kavita"),
    ("Siddharth", "Sidharth"),
    ("Vijay", "Vijai"),
    ("Shankar", "Sankar"),
    ("Pradeep", "Pradip"),
    ("Deepak", "Dipak"),
    ("Rajesh", "Rajeshh"),
    ("Farhan", "Pharhan"),
    ("Zakir", "Jakir"),
    ("Sita", "SITA"),
    ("Sita", "Sītā"),
    ("Sita", " Sita. "),
    ("Mohd. Rafiq Chaudhary", "Muhammad Rafique Chowdhury"),
    ("Sunita Devi", "Suneeta  Devee"),
    ("Lakshmi-Narayan", "Laxmi Narayan"),
]

DIFFERENT = [
    ("Sita", "Gita"),
    ("Ram", "Rahim"),
    ("Asha", "Usha"),
    ("Kamla", "Komal"),
    ("Sunil", "Anil"),
    ("Mohan", "Sohan"),
    ("Rekha", "Renu"),
    ("Lakshmi", "Laxman"),
    ("Sita Devi", "Gita Devi"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_spelling_variants_share_a_key(a, b):
    assert name_key(a) == name_key(b)
    assert name_key(a)  # never empty for a real name


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_names_keep_different_keys(a, b):
    assert name_key(a) != name_key(b)


def test_key_is_per_word():
    assert name_key("Sita Devi") == f"{name_key('Sita')} {name_key('Devi')}"
    assert len(name_key("Mohd Rafiq Chaudhary").split()) == 3


def test_names_in_indian_scripts_are_kept_as_written():
    assert name_key("सीता देवी") == "सीता देवी"
    assert name_key("सीता") != name_key("गीता")
    assert name_key("") == ""
    assert name_key(" .. - ") == ""


words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12)


@given(st.lists(words, min_size=1, max_size=4))
def test_key_ignores_case_spacing_and_joins_word_keys(ws):
    name = "  ".join(w.capitalize() for w in ws)
    key = name_key(name)
    assert key == name_key(name.upper()) == name_key(f" {name.lower()} ")
    assert key == " ".join(k for k in (name_key(w) for w in ws) if k)
    assert set(key) <= set("abcdefghijklmnopqrstuvwxyz ")
