"""Duplicate-patient likelihood: spelling variants of Indian names, and the ranking rules."""

from __future__ import annotations

import random
from datetime import date

import pytest

from spoke_client.domain.matching import (
    SAME_ABHA,
    SAME_MOBILE,
    SIMILAR_NAME_AGE_VILLAGE,
    Match,
    levenshtein,
    likely_duplicates,
    names_match,
    same_place,
    words_alike,
)
from spoke_client.domain.patient import Patient

TODAY = date(2025, 3, 10)
SEED = 20250310

# Spellings of one name, as they turn up in registers: vowel length (ee/i, oo/u, aa/a),
# aspiration (th/t, dh/d, bh/b), sh/s, w/v, ksh/x, doubled letters, a final y/i, the
# inherent vowel kept or dropped (Rajendra/Rajender, Kamla/Kamala), Arabic-origin names.
VARIANT_PAIRS = [
    ("Sita", "Seeta"),
    ("Lakshmi", "Laxmi"),
    ("Mohammad", "Mohammed"),
    ("Mohammed", "Muhammad"),
    ("Mohd", "Muhammad"),
    ("Chaudhary", "Choudhury"),
    ("Chaudhary", "Chowdhury"),
    ("Pooja", "Puja"),
    ("Sunita", "Suneeta"),
    ("Shivaji", "Sivaji"),
    ("Jyoti", "Jyothi"),
    ("Vijay", "Vijai"),
    ("Kavita", "Kavitha"),
    ("Suresh", "Sureshh"),
    ("Srinivas", "Shrinivas"),
    ("Srinivas", "Sreenivas"),
    ("Krishna", "Krushna"),
    ("Aisha", "Ayesha"),
    ("Fatima", "Fathima"),
    ("Rahul", "Raahul"),
    ("Deepak", "Dipak"),
    ("Geeta", "Gita"),
    ("Bhagwati", "Bhagvati"),
    ("Parvati", "Parvathi"),
    ("Lalita", "Lalitha"),
    ("Shanti", "Shanthi"),
    ("Radha", "Raadha"),
    ("Anita", "Aneeta"),
    ("Savitri", "Savithri"),
    ("Kamla", "Kamala"),
    ("Mamta", "Mamata"),
    ("Nirmala", "Nirmla"),
    ("Rajendra", "Rajender"),
    ("Mahendra", "Mahender"),
    ("Surendra", "Surender"),
    ("Prakash", "Parkash"),
    ("Banerjee", "Banerji"),
    ("Mukherjee", "Mukherji"),
    ("Laxman", "Lakshman"),
    ("Satish", "Sathish"),
    ("Shyam", "Syam"),
    ("Hussain", "Husain"),
    ("Sultana", "Sulthana"),
    ("Abdul", "Abdool"),
    ("Iqbal", "Ikbal"),
    ("Farooq", "Faruk"),
    ("Salim", "Saleem"),
    ("Nasreen", "Nasrin"),
    ("Yusuf", "Yousuf"),
    ("Nair", "Nayar"),
    ("Pillai", "Pillay"),
    ("Chauhan", "Chouhan"),
    ("Jadhav", "Jadav"),
    ("Vishwakarma", "Vishvakarma"),
    ("Tiwari", "Tiwary"),
    ("Mishra", "Misra"),
    ("Verma", "Varma"),
    ("Agarwal", "Agrawal"),
    ("Susheela", "Sushila"),
    ("Gayatri", "Gayathri"),
    ("Urmila", "Oormila"),
    ("Saxena", "Saksena"),
    ("Om", "Aum"),
    ("Khan", "Kahn"),
    ("Sita Devi", "Seeta Devi"),
    ("Mohd. Rafiq", "Mohammed Rafique"),
    ("Lakshmi Narayan", "Laxminarayan"),
    ("Ramesh Kumar Yadav", "Ramesh Yadav"),
    ("Yadav Ramesh", "Ramesh Yadav"),
    ("Sunita", "Sunita Devi"),
]

# Different names that a too-forgiving rule would join.
DIFFERENT_PAIRS = [
    ("Sita", "Gita"),
    ("Ram", "Rahim"),
    ("Asha", "Usha"),
    ("Sunil", "Anil"),
    ("Mohan", "Sohan"),
    ("Rekha", "Renu"),
    ("Lakshmi", "Laxman"),
    ("Ramesh", "Rakesh"),
    ("Ramesh", "Rajesh"),
    ("Mahesh", "Mukesh"),
    ("Sunita", "Sangita"),
    ("Anita", "Amita"),
    ("Suresh", "Naresh"),
    ("Sita Devi", "Gita Devi"),
    ("Sunita Devi", "Sunita Yadav"),
    ("Ramesh", "Ramesh Yadav"),
    ("Priya", "Puri"),
    ("", ""),
    ("Sita", ""),
]


def test_spelling_variants_of_indian_names_match():
    missed = [(a, b) for a, b in VARIANT_PAIRS if not names_match(a, b)]
    rate = 1 - len(missed) / len(VARIANT_PAIRS)
    print(f"variant pairs matched: {rate:.1%} of {len(VARIANT_PAIRS)}; missed: {missed}")
    assert len(VARIANT_PAIRS) >= 30
    assert rate >= 0.90


@pytest.mark.parametrize(("a", "b"), DIFFERENT_PAIRS)
def test_different_names_stay_apart(a, b):
    assert not names_match(a, b)


@pytest.mark.parametrize(("a", "b"), VARIANT_PAIRS[:10])
def test_names_match_is_symmetric(a, b):
    assert names_match(a, b) == names_match(b, a)


# -- generated population -----------------------------------------------------------------

FIRST_NAMES = """
Aarti Abhishek Aditi Ajay Akash Amit Amrita Anand Anil Anjali Ankit Anupam Archana Arjun
Arun Asha Ashok Babita Balram Bharat Bhavna Brijesh Chanchal Chandan Chetan Deepak Dharmendra
Dilip Dinesh Divya Durga Ganesh Gaurav Geeta Girish Gopal Govind Hari Harish Hemant Indira
Jagdish Jaya Jitendra Jyoti Kailash Kamal Kanchan Karan Kavita Kiran Krishna Kusum Lalit
Lata Madhu Mahesh Manoj Meena Mohan Mukesh Nandini Naresh Neelam Neha Nitin Omprakash
Pankaj Parvati Pawan Poonam Prakash Pramod Prem Priya Rachna Radha Raghav Rajesh Rajni
Rakesh Ramesh Rani Ravi Rekha Rinku Ritu Rohit Rukmini Sachin Sandeep Sangeeta Sanjay
Santosh Sarita Savitri Seema Shankar Shanti Shashi Sheela Shiv Shobha Sonu Subhash Sudha
Suman Sunil Sunita Suresh Sushma Tara Uma Usha Vandana Vijay Vikas Vimla Vinod Yogesh
Abdul Aisha Farida Fatima Hamid Imran Irfan Javed Nasreen Rashid Salim Shabana Yusuf Zubair
""".split()

SURNAMES = """
Yadav Sharma Singh Kumar Verma Gupta Patel Chauhan Mishra Tiwari Pandey Shukla Dubey
Chaudhary Thakur Rathod Jadhav Pawar Patil Shinde Reddy Naidu Rao Nair Pillai Menon Das
Ghosh Banerjee Mukherjee Sen Bose Mondal Sahu Meena Gond Munda Oraon Soren Hansda Baiga
Bhil Khan Ansari Qureshi Shaikh Siddiqui Saxena Agarwal Jain Joshi Bhatt Kushwaha Maurya
Prajapati Vishwakarma Lodhi Kurmi Nishad Paswan Manjhi Rajbhar
""".split()

# Spelling changes a register clerk might make; each keeps the name the same name.
MUTATIONS = [
    ("ee", "i"),
    ("i", "ee"),
    ("oo", "u"),
    ("u", "oo"),
    ("th", "t"),
    ("t", "th"),
    ("dh", "d"),
    ("bh", "b"),
    ("sh", "s"),
    ("w", "v"),
    ("v", "w"),
    ("ksh", "x"),
    ("q", "k"),
    ("y", "i"),
]


def _respell(word: str, rng: random.Random) -> str:
    """``word`` with up to two spelling changes, a doubled letter, or a lengthened end."""
    out = word.lower()
    for _ in range(rng.randint(0, 2)):
        options = [(a, b) for a, b in MUTATIONS if a in out[1:]]
        if options:
            a, b = rng.choice(options)
            at = out.index(a, 1)
            out = out[:at] + b + out[at + len(a) :]
    roll = rng.random()
    if roll < 0.15 and len(out) > 3:
        at = rng.randrange(1, len(out) - 1)
        if out[at] not in "aeiouhwxy":
            out = out[:at] + out[at] + out[at:]
    elif roll < 0.25 and out.endswith("a"):
        out += "a"
    return out.capitalize()


def _population(n: int, rng: random.Random) -> list[tuple[tuple[str, str], str]]:
    """``n`` people as (base name, name as written)."""
    people = []
    for _ in range(n):
        base = (rng.choice(FIRST_NAMES), rng.choice(SURNAMES))
        people.append((base, f"{_respell(base[0], rng)} {_respell(base[1], rng)}"))
    return people


def test_false_and_true_match_rates_in_a_generated_population():
    """A *false match* is names_match() true for two people whose base names (first name,
    surname) differ, each written with its own random respelling. 10,000 such pairs, drawn
    from a population of 10,000 generated people: fewer than 5% may match. Two respellings
    of one base name should match at least 90% of the time."""
    rng = random.Random(SEED)
    people = _population(10_000, rng)
    false = pairs = 0
    while pairs < 10_000:
        (base_a, a), (base_b, b) = rng.sample(people, 2)
        if base_a == base_b:
            continue
        pairs += 1
        false += names_match(a, b)
    same = 0
    for base, written in people[:2_000]:
        again = f"{_respell(base[0], rng)} {_respell(base[1], rng)}"
        same += names_match(written, again)
    false_rate, true_rate = false / pairs, same / 2_000
    print(
        f"seed {SEED}: false matches {false_rate:.2%} of {pairs} pairs of different names;"
        f" respellings matched {true_rate:.1%} of 2000"
    )
    assert false_rate < 0.05
    assert true_rate >= 0.90


def test_distinct_first_names_rarely_match():
    """The harder check: every pair of different first names from the list, alone."""
    names = sorted(set(FIRST_NAMES))
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]
    joined = [(a, b) for a, b in pairs if names_match(a, b)]
    rate = len(joined) / len(pairs)
    print(f"distinct first names matched: {rate:.2%} of {len(pairs)} pairs: {joined}")
    assert rate < 0.01


# -- pieces -------------------------------------------------------------------------------


def test_levenshtein():
    assert levenshtein("", "") == 0
    assert levenshtein("abc", "") == 3
    assert levenshtein("kitten", "sitting") == 3
    assert levenshtein("sitting", "kitten") == 3


def test_words_alike():
    assert words_alike("Rajendra", "Rajender")
    assert words_alike("Vishwakarma", "Vishvakarama")
    assert words_alike("Bhawna", "Bhavna")
    assert words_alike("Maurya", "Mauria")
    assert words_alike("Chowdhury", "Chaudhari")
    assert not words_alike("Ram", "Rahim")
    assert not words_alike("", "")
    assert not words_alike("सीता", "गीता")
    assert words_alike("सीता", "सीता")


def test_same_place_forgives_case_spacing_and_spelling():
    assert same_place("Rampur", " rampur ")
    assert same_place("Ram Pur", "Rampur")
    assert same_place("Raampur", "Rampur")
    assert same_place("Sitapur", "Seetapur")
    assert not same_place("Rampur", "Rajpur")
    assert not same_place("Rampur", "")


# -- likely_duplicates --------------------------------------------------------------------


def patient(**fields) -> Patient:
    base = dict(name="Sita Devi", sex="female", age_years=35, village="Rampur")
    return Patient.create(today=TODAY, **(base | fields))


def test_similar_name_age_and_village_is_a_likely_duplicate():
    sita = patient()
    found = likely_duplicates(
        {"name": "Seeta Devi", "sex": "female", "age_years": "34", "village": "rampur"},
        [sita],
        today=TODAY,
    )
    assert found == [Match(sita, (SIMILAR_NAME_AGE_VILLAGE,), found[0].score)]


@pytest.mark.parametrize(
    "change",
    [
        {"age_years": 31},  # four years apart
        {"village": "Sitapur"},
        {"name": "Gita Devi"},
    ],
)
def test_one_of_name_age_village_differing_is_no_match(change):
    found = likely_duplicates(
        dict(name="Seeta Devi", age_years=35, village="Rampur") | change,
        [patient()],
        today=TODAY,
    )
    assert found == []


def test_age_counts_from_birth_date_and_stated_age_alike():
    born = patient(age_years=None, birth_date=date(1990, 1, 1))  # 35 on TODAY
    stated_earlier = patient(age_years=30, age_stated_on=date(2020, 3, 1))  # now 35
    fields = dict(name="Sita Devi", age_years=36, village="Rampur")
    assert {m.patient for m in likely_duplicates(fields, [born, stated_earlier], today=TODAY)} == {
        born,
        stated_earlier,
    }
    infant = dict(name="Sita Devi", age_months=6, village="Rampur")
    assert likely_duplicates(infant, [born], today=TODAY) == []


def test_same_mobile_or_abha_is_a_match_whatever_the_name():
    husband = patient(name="Ramesh Kumar", sex="male", age_years=40, mobile="98765 43210")
    carded = patient(name="Kamla", age_years=60, abha_number="12-3456-7890-1234")
    fields = dict(
        name="Sunita",
        age_years=20,
        village="Elsewhere",
        mobile="+91 9876543210",
        abha_number="12345678901234",
    )
    found = likely_duplicates(fields, [husband, carded], today=TODAY)
    assert [(m.patient, m.reasons) for m in found] == [
        (carded, (SAME_ABHA,)),
        (husband, (SAME_MOBILE,)),
    ]
    by_address = patient(abha_address="sita.devi@abdm", village="Far away", age_years=70)
    found = likely_duplicates(
        dict(name="X", abha_address="Sita.Devi@abdm"), [by_address], today=TODAY
    )
    assert found[0].reasons == (SAME_ABHA,)


def test_ranking_puts_the_strongest_evidence_first():
    family_phone = patient(name="Ramesh Yadav", sex="male", age_years=40, mobile="9876543210")
    same_name = patient()
    same_name_and_phone = patient(name="Seeta Devi", age_years=36, mobile="9876543210")
    candidate = patient(name="Sita Devi", age_years=35, mobile="9876543210")
    found = likely_duplicates(
        candidate, [family_phone, same_name, same_name_and_phone, candidate], today=TODAY
    )
    assert [m.patient for m in found] == [same_name_and_phone, same_name, family_phone]
    assert found[0].reasons == (SAME_MOBILE, SIMILAR_NAME_AGE_VILLAGE)
    assert all(0 < m.score <= 1 for m in found)
    assert found[0].score > found[1].score > found[2].score


def test_unreadable_fields_are_ignored_not_refused():
    fields = dict(name="Sita Devi", age_years="about 35", mobile="12", village="Rampur")
    assert likely_duplicates(fields, [patient(mobile="9876543210")], today=TODAY) == []
