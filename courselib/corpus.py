"""A generated English-like corpus whose structure is known exactly. Defined for chapter 5.3.

A real corpus hides its truth; this one is sampled from a small probabilistic grammar over a
fixed world (`make_world`): 400 invented people (gender, job, country), 26 real countries
(capital, language) and 24 animals (size, habitat). Because the grammar is code, the chapter
can score models against facts that must be recalled, analogies that must hold, morpheme
boundaries, semantic groups, two-sense words and subject-verb agreement, and can compare a
model's loss with the exact entropy of the source.

Grammar: a template is drawn with the probability below, then each {slot} that is a *draw*
independently (names Zipf-distributed, p(rank r) ~ 1/r, so rare names form a long tail;
everything else uniform); the other slots follow from the world or from agreement (in
animal_near the verb agrees with the first noun, across an 'attractor' noun).

    p     template        example                                        topic
    0.06  person_job      zora works as a teacher .                      people
    0.06  person_intro    zora is a female from norway .                 people
    0.06  person_says     zora says that she is unhelpful .              people
    0.08  family          zora is the sister of the farmer .             people
    0.04  person_bank     zora keeps her money in the bank .             people  (bank: money)
    0.04  person_bat      zora hits the ball with her bat .              people  (bat: sport)
    0.06  travel          zora travels to paris .                        people
    0.06  capital         the capital of norway is oslo .                geography
    0.05  language        people in norway speak norwegian .             geography
    0.05  animal_size     the elephant is a huge animal .                animals
    0.06  animal_home     the dogs live in the town .                    animals
    0.08  animal_action   the dog runs quickly .                         animals
    0.06  animal_near     the dog near the cats runs .                   animals (attractor)
    0.06  animal_past     yesterday the dogs ran .                       animals
    0.05  animal_colour   the bats are brown .                           animals
    0.04  animal_bank     the beavers sleep on the bank of the river .   animals (bank: river)
    0.05  job_adj         the teachers are careless .                    work
    0.04  job_verb        the farmer teaches the painters .              work

Every slot is one word, and each sentence has exactly one derivation (the tests enumerate the
whole language to check it), so p(sentence) = p(template) * prod p(draw), and the source
entropy is exact: H = H(template) + sum_t p(t) sum_{draws of t} H(draw) (about 12.9 bits per
sentence, 2.0 bits per word; a language model's loss can be compared with it).

    corpus = generate_corpus(20_000, seed=0)   # ~0.3 s, ~0.6 MB of text, ~690 distinct words
    corpus.sentences, corpus.text, corpus.tokens(), corpus.records, corpus.world
    corpus.facts()         # ("the capital of norway is", "oslo"): answer = the next word
    corpus.analogies("capital")  # ("norway", "oslo", "france", "paris"), also gender, plural...
    corpus.groups(), corpus.ambiguous, corpus.senses(), corpus.morphemes("unhelpful")
    corpus.labels("topic" | "template" | "sentiment"), corpus.log2_prob(sentence)
    corpus.entropy_bits_per_sentence(), corpus.entropy_bits_per_token()
"""
import copy
from dataclasses import dataclass, field
from itertools import permutations
from typing import Callable, NamedTuple

import numpy as np

# ---------------------------------------------------------------- the world (fixed data)
COUNTRIES = [  # (country, capital, language): real pairs, one language per country
    ("norway", "oslo", "norwegian"), ("sweden", "stockholm", "swedish"),
    ("finland", "helsinki", "finnish"), ("denmark", "copenhagen", "danish"),
    ("france", "paris", "french"), ("spain", "madrid", "spanish"),
    ("portugal", "lisbon", "portuguese"), ("italy", "rome", "italian"),
    ("germany", "berlin", "german"), ("poland", "warsaw", "polish"),
    ("greece", "athens", "greek"), ("hungary", "budapest", "hungarian"),
    ("japan", "tokyo", "japanese"), ("china", "beijing", "chinese"),
    ("russia", "moscow", "russian"), ("turkey", "ankara", "turkish"),
    ("ireland", "dublin", "irish"), ("netherlands", "amsterdam", "dutch"),
    ("kenya", "nairobi", "swahili"), ("india", "delhi", "hindi"),
    ("thailand", "bangkok", "thai"), ("vietnam", "hanoi", "vietnamese"),
    ("korea", "seoul", "korean"), ("iran", "tehran", "persian"),
    ("nepal", "kathmandu", "nepali"), ("wales", "cardiff", "welsh"),
]
ANIMALS = [  # (singular, plural, size, habitat)
    ("mouse", "mice", "tiny", "field"), ("bat", "bats", "tiny", "cave"),
    ("frog", "frogs", "tiny", "river"), ("owl", "owls", "small", "forest"),
    ("cat", "cats", "small", "town"), ("dog", "dogs", "small", "town"),
    ("fox", "foxes", "small", "forest"), ("rabbit", "rabbits", "small", "field"),
    ("duck", "ducks", "small", "river"), ("beaver", "beavers", "small", "river"),
    ("snake", "snakes", "small", "desert"), ("goat", "goats", "small", "mountains"),
    ("wolf", "wolves", "big", "forest"), ("bear", "bears", "big", "forest"),
    ("horse", "horses", "big", "farm"), ("cow", "cows", "big", "farm"),
    ("camel", "camels", "big", "desert"), ("lion", "lions", "big", "grassland"),
    ("eagle", "eagles", "big", "mountains"), ("tiger", "tigers", "big", "jungle"),
    ("elephant", "elephants", "huge", "jungle"), ("whale", "whales", "huge", "sea"),
    ("shark", "sharks", "huge", "sea"), ("giraffe", "giraffes", "huge", "grassland"),
]
SHORE_ANIMALS = ("frog", "duck", "beaver", "bear", "fox", "rabbit", "cow", "horse")
JOBS = {"teacher": ["teach", "er"], "farmer": ["farm", "er"], "painter": ["paint", "er"],
        "builder": ["build", "er"], "singer": ["sing", "er"], "banker": ["bank", "er"],
        "gardener": ["garden", "er"], "hunter": ["hunt", "er"], "doctor": ["doctor"],
        "nurse": ["nurse"], "pilot": ["pilot"], "cook": ["cook"]}
VERBS = {  # animal verbs: base (plural present) -> (3rd singular, past)
    "run": ("runs", "ran"), "swim": ("swims", "swam"), "sleep": ("sleeps", "slept"),
    "eat": ("eats", "ate"), "sing": ("sings", "sang"), "walk": ("walks", "walked"),
    "jump": ("jumps", "jumped"), "hunt": ("hunts", "hunted"), "play": ("plays", "played"),
    "climb": ("climbs", "climbed")}
JOB_VERBS = {"help": "helps", "thank": "thanks", "visit": "visits", "call": "calls",
             "teach": "teaches", "pay": "pays"}
ADJECTIVES = {  # word -> true morphemes
    "helpful": ["help", "ful"], "helpless": ["help", "less"], "unhelpful": ["un", "help", "ful"],
    "careful": ["care", "ful"], "careless": ["care", "less"], "hopeful": ["hope", "ful"],
    "hopeless": ["hope", "less"], "useful": ["use", "ful"], "useless": ["use", "less"],
    "powerful": ["power", "ful"], "powerless": ["power", "less"], "fearless": ["fear", "less"],
    "harmless": ["harm", "less"], "kind": ["kind"], "unkind": ["un", "kind"], "fair": ["fair"],
    "unfair": ["un", "fair"], "friendly": ["friend", "ly"], "unfriendly": ["un", "friend", "ly"],
    "lucky": ["luck", "y"], "unlucky": ["un", "luck", "y"], "happy": ["happy"],
    "unhappy": ["un", "happy"]}
POSITIVE = {"helpful", "careful", "hopeful", "useful", "powerful", "fearless", "harmless",
            "kind", "fair", "friendly", "lucky", "happy"}  # the other adjectives are negative
_SENTIMENT = {a: "positive" if a in POSITIVE else "negative" for a in ADJECTIVES}
ADVERBS = {"quickly": ["quick", "ly"], "slowly": ["slow", "ly"], "quietly": ["quiet", "ly"],
           "carefully": ["care", "ful", "ly"], "happily": ["happi", "ly"],
           "fearlessly": ["fear", "less", "ly"], "playfully": ["play", "ful", "ly"]}
COLOURS = ["red", "brown", "black", "white", "grey", "green", "yellow"]
KIN = [("brother", "sister"), ("father", "mother"), ("son", "daughter"), ("uncle", "aunt"),
       ("husband", "wife"), ("nephew", "niece")]  # (male, female)
GENDERED = {"male": {"gender": "man", "pronoun": "he", "possessive": "his"},
            "female": {"gender": "woman", "pronoun": "she", "possessive": "her"}}
AMBIGUOUS = {"bank": ("the side of a river", "a business that keeps money"),
             "bat": ("a small flying animal", "a club used to hit a ball")}
SECOND_SENSE = {"person_bank", "person_bat"}  # templates using sense 1; all others use sense 0
N_PEOPLE, WORLD_SEED = 400, 53


def _invent_names(n: int, taken: set, rng: np.random.Generator) -> list:
    """n distinct names made of 2-3 consonant-vowel(-coda) syllables, none equal to a word."""
    onsets, vowels, codas = list("bdfgklmnprstvz"), list("aeiou"), ["", "", "", "n", "r", "l"]
    names = []
    while len(names) < n:
        parts = [rng.choice(onsets) + rng.choice(vowels) for _ in range(rng.integers(2, 4))]
        name = "".join(parts) + rng.choice(codas)
        if name not in taken and name not in names:
            names.append(name)
    return names


def make_world() -> dict:
    """The fixed ontology (the same for every corpus seed): people, countries, animals, jobs.

    people: name -> {gender, job, country}; countries: country -> {capital, language};
    animals: singular -> {plural, size, habitat}; jobs: singular -> plural. The people are
    listed most frequent first: name rank r is drawn with probability proportional to 1/r.
    """
    rng = np.random.default_rng(WORLD_SEED)
    names = _invent_names(N_PEOPLE, set(_fixed_vocabulary()), rng)
    genders, jobs = ["male", "female"], sorted(JOBS)
    people = {name: {"gender": genders[rng.integers(2)], "job": jobs[rng.integers(len(jobs))],
                     "country": COUNTRIES[rng.integers(len(COUNTRIES))][0]} for name in names}
    return {"people": people,
            "countries": {c: {"capital": cap, "language": lang} for c, cap, lang in COUNTRIES},
            "animals": {sg: {"plural": pl, "size": size, "habitat": habitat}
                        for sg, pl, size, habitat in ANIMALS},
            "jobs": {job: job + "s" for job in JOBS}}


def _fixed_vocabulary() -> list:
    """Every word of the grammar except the invented names (names must avoid these)."""
    words = [w for row in COUNTRIES for w in row] + [w for row in ANIMALS for w in row]
    words += [w + s for w in JOBS for s in ("", "s")] + list(ADJECTIVES) + list(ADVERBS)
    words += [w for base, forms in VERBS.items() for w in (base, *forms)] + COLOURS
    words += [w for pair in JOB_VERBS.items() for w in pair] + [w for p in KIN for w in p]
    words += [w for g in GENDERED.values() for w in g.values()] + ["live", "lives", "is", "are"]
    for template in TEMPLATES:
        words += [t for t in template.pattern.split() if not t.startswith("{")]
    return sorted(set(words))


# ---------------------------------------------------------------- the grammar
def _lemma(word: str) -> str:
    """Map an inflected form to the form a draw picks: runs/ran -> run, sister -> brother."""
    return _LEMMA.get(word, word)


_LEMMA = {form: base for base, forms in VERBS.items() for form in forms}
_LEMMA.update({third: base for base, third in JOB_VERBS.items()})
_LEMMA.update({female: male for male, female in KIN})
_PLURALS = {pl for _, pl, _, _ in ANIMALS} | {job + "s" for job in JOBS}
_SINGULAR = {pl: sg for sg, pl, _, _ in ANIMALS}
_THIRD_SINGULAR = {**{base: forms[0] for base, forms in VERBS.items()}, **JOB_VERBS}


def _agree(base: str, noun: str) -> str:
    """Subject-verb agreement: 'the dog runs', 'the dogs run' (and is/are, lives/live)."""
    if noun in _PLURALS:
        return {"is": "are", "lives": "live"}.get(base, base)
    return _THIRD_SINGULAR.get(base, base)


def _person(world, o, key):
    """An attribute word of the drawn person: job, country, or a gendered word."""
    person = world["people"][o["name"]]
    return person[key] if key in person else GENDERED[person["gender"]][key]


def _kin(world, o):
    """The kin word in the person's gender: brother -> sister for a woman."""
    male = o["kin"]
    female = dict(KIN)[male]
    return female if world["people"][o["name"]]["gender"] == "female" else male


def _animal(world, noun, key):
    """size or habitat of an animal given its singular or plural form."""
    return world["animals"][_SINGULAR.get(noun, noun)][key]


class Template(NamedTuple):
    """One sentence form: drawn with probability `prob`; `draws` maps each drawn slot to its
    distribution's name; `render(world, outcomes)` returns every slot's word (agreement etc.)."""
    name: str
    topic: str
    prob: float
    pattern: str
    draws: dict
    render: Callable


TEMPLATES = [Template(*row) for row in [
    ("person_job", "people", 0.06, "{name} works as a {job} .", {"name": "name"},
     lambda w, o: {"name": o["name"], "job": _person(w, o, "job")}),
    ("person_intro", "people", 0.06, "{name} is a {gender} from {country} .", {"name": "name"},
     lambda w, o: {"name": o["name"], "gender": _person(w, o, "gender"),
                   "country": _person(w, o, "country")}),
    ("person_says", "people", 0.06, "{name} says that {pronoun} is {adj} .",
     {"name": "name", "adj": "adj"},
     lambda w, o: {"name": o["name"], "pronoun": _person(w, o, "pronoun"), "adj": o["adj"]}),
    ("family", "people", 0.08, "{name} is the {kin} of the {job} .",
     {"name": "name", "kin": "kin", "job": "job"},
     lambda w, o: {"name": o["name"], "kin": _kin(w, o), "job": o["job"]}),
    ("person_bank", "people", 0.04, "{name} keeps {possessive} money in the bank .",
     {"name": "name"},
     lambda w, o: {"name": o["name"], "possessive": _person(w, o, "possessive")}),
    ("person_bat", "people", 0.04, "{name} hits the ball with {possessive} bat .",
     {"name": "name"},
     lambda w, o: {"name": o["name"], "possessive": _person(w, o, "possessive")}),
    ("travel", "people", 0.06, "{name} travels to {capital} .",
     {"name": "name", "capital": "capital"}, lambda w, o: dict(o)),
    ("capital", "geography", 0.06, "the capital of {country} is {capital} .",
     {"country": "country"},
     lambda w, o: {"country": o["country"], "capital": w["countries"][o["country"]]["capital"]}),
    ("language", "geography", 0.05, "people in {country} speak {language} .",
     {"country": "country"}, lambda w, o: {
         "country": o["country"], "language": w["countries"][o["country"]]["language"]}),
    ("animal_size", "animals", 0.05, "the {animal} is a {size} animal .", {"animal": "animal"},
     lambda w, o: {"animal": o["animal"], "size": _animal(w, o["animal"], "size")}),
    ("animal_home", "animals", 0.06, "the {animal} {verb} in the {habitat} .",
     {"animal": "animal_np"},
     lambda w, o: {"animal": o["animal"], "verb": _agree("lives", o["animal"]),
                   "habitat": _animal(w, o["animal"], "habitat")}),
    ("animal_action", "animals", 0.08, "the {animal} {verb} {adverb} .",
     {"animal": "animal_np", "verb": "verb", "adverb": "adverb"},
     lambda w, o: {**o, "verb": _agree(o["verb"], o["animal"])}),
    ("animal_near", "animals", 0.06, "the {animal} near the {other} {verb} .",
     {"animal": "animal_np", "other": "animal_np", "verb": "verb"},
     lambda w, o: {**o, "verb": _agree(o["verb"], o["animal"])}),
    ("animal_past", "animals", 0.06, "yesterday the {animal} {verb} .",
     {"animal": "animal_np", "verb": "verb"},
     lambda w, o: {"animal": o["animal"], "verb": VERBS[o["verb"]][1]}),
    ("animal_colour", "animals", 0.05, "the {animal} {be} {colour} .",
     {"animal": "animal_np", "colour": "colour"},
     lambda w, o: {**o, "be": _agree("is", o["animal"])}),
    ("animal_bank", "animals", 0.04, "the {animal} {verb} on the bank of the river .",
     {"animal": "shore_np", "verb": "verb"},
     lambda w, o: {**o, "verb": _agree(o["verb"], o["animal"])}),
    ("job_adj", "work", 0.05, "the {job} {be} {adj} .", {"job": "job_np", "adj": "adj"},
     lambda w, o: {**o, "be": _agree("is", o["job"])}),
    ("job_verb", "work", 0.04, "the {job} {verb} the {object} .",
     {"job": "job_np", "verb": "job_verb", "object": "job_np"},
     lambda w, o: {**o, "verb": _agree(o["verb"], o["job"])}),
]]
_BY_NAME = {t.name: t for t in TEMPLATES}
FACT_SLOTS = {"person_job": ["job"], "person_intro": ["gender", "country"],
              "person_says": ["pronoun"], "capital": ["capital"], "language": ["language"],
              "animal_size": ["size"], "animal_home": ["habitat"]}


def _distributions(world: dict) -> dict:
    """Each draw's options and probabilities: names ~ 1/rank (Zipf), everything else uniform."""
    both = lambda sgs: [f for sg in sgs for f in (sg, world["animals"][sg]["plural"])]
    lists = {"country": list(world["countries"]), "animal": list(world["animals"]),
             "capital": [c["capital"] for c in world["countries"].values()],
             "animal_np": both(world["animals"]), "shore_np": both(SHORE_ANIMALS),
             "verb": list(VERBS), "adverb": list(ADVERBS), "adj": list(ADJECTIVES),
             "colour": COLOURS, "kin": [m for m, _ in KIN], "job": list(JOBS),
             "job_np": [f for job in JOBS for f in (job, job + "s")], "job_verb": list(JOB_VERBS)}
    dists = {k: (v, np.full(len(v), 1.0 / len(v))) for k, v in lists.items()}
    zipf = 1.0 / np.arange(1, len(world["people"]) + 1)
    dists["name"] = (list(world["people"]), zipf / zipf.sum())
    return dists


def _entropy(p: np.ndarray) -> float:
    """H(p) = -sum p log2 p, in bits."""
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


def _render(template, record: dict) -> str:
    """Fill the pattern's {slots} with the record's words."""
    return template.pattern.format(**record)


def log2_prob(record: tuple) -> float:
    """log2 p(record) = log2 p(template) + sum over its draws of log2 p(draw); -inf if the
    grammar cannot make the record (e.g. 'the dogs runs': agreement is checked here)."""
    name, slots = record
    template = _BY_NAME.get(name)
    if template is None:
        return float("-inf")
    logp, outcomes = np.log2(template.prob), {}
    for slot, dist in template.draws.items():
        options, probs = _DISTS[dist]
        index = _INDEX[dist].get(_lemma(slots.get(slot, "")))  # the draw behind the word
        if index is None:
            return float("-inf")
        outcomes[slot], logp = options[index], logp + np.log2(probs[index])
    return float(logp) if template.render(_WORLD, outcomes) == slots else float("-inf")


def parse(sentence: str) -> list:
    """All derivations (template name, slots) of a sentence; the grammar guarantees at most one."""
    words, found = sentence.split(), []
    for template in TEMPLATES:
        pattern = template.pattern.split()
        if len(pattern) != len(words):
            continue
        slots = {p[1:-1]: w for p, w in zip(pattern, words) if p.startswith("{")}
        literal_ok = all(p == w for p, w in zip(pattern, words) if not p.startswith("{"))
        if literal_ok and log2_prob((template.name, slots)) > float("-inf"):
            found.append((template.name, slots))
    return found


_WORLD = make_world()
_DISTS = _distributions(_WORLD)
_INDEX = {k: {w: i for i, w in enumerate(options)} for k, (options, _) in _DISTS.items()}


def _sample_records(n: int, rng: np.random.Generator) -> list:
    """n records: templates by their probabilities, then each template's draws in bulk."""
    probs = np.array([t.prob for t in TEMPLATES])
    choice = rng.choice(len(TEMPLATES), size=n, p=probs / probs.sum())
    records = [None] * n
    for k, template in enumerate(TEMPLATES):
        where = np.flatnonzero(choice == k)
        draws = {slot: rng.choice(len(_DISTS[d][0]), size=len(where), p=_DISTS[d][1])
                 for slot, d in template.draws.items()}
        for j, i in enumerate(where):
            outcomes = {slot: _DISTS[d][0][draws[slot][j]] for slot, d in template.draws.items()}
            records[i] = (template.name, template.render(_WORLD, outcomes))
    return records


@dataclass
class Corpus:
    """Sentences sampled from the grammar, with the records (template, slots) that made them."""
    sentences: list
    records: list
    seed: int
    world: dict = field(default_factory=lambda: copy.deepcopy(_WORLD), repr=False)
    ambiguous: dict = field(default_factory=lambda: dict(AMBIGUOUS), repr=False)

    @property
    def text(self) -> str:
        """The corpus as one string, one sentence per line."""
        return "\n".join(self.sentences)

    def tokens(self) -> list:
        """Words of each sentence (the final '.' is a token)."""
        return [s.split() for s in self.sentences]

    def vocabulary(self) -> list:
        """Sorted distinct words that occur in this corpus."""
        return sorted({w for s in self.sentences for w in s.split()})

    def labels(self, kind: str = "topic") -> list:
        """One label per sentence, for classification tasks: 'topic' (people, geography,
        animals, work: keywords suffice), 'template' (18 classes), or 'sentiment' (positive /
        negative adjective, None in sentences without one: 'un' and 'less' flip it, so
        a model must read morphemes, e.g. helpful vs unhelpful)."""
        if kind == "sentiment":
            return [_SENTIMENT.get(slots.get("adj")) for _, slots in self.records]
        return [getattr(_BY_NAME[name], {"topic": "topic", "template": "name"}[kind])
                for name, _ in self.records]

    def morphemes(self, word: str):
        """True segmentation of a derived word (['un', 'help', 'ful'], ['teach', 'er', 's']);
        None for a word with no internal boundary (stems, irregular forms, names)."""
        parts = _MORPHEMES.get(word)
        return list(parts) if parts and len(parts) > 1 else None

    def groups(self) -> dict:
        """Semantic groups: group name -> words of one kind."""
        return _groups(self.world)

    def facts(self) -> list:
        """(prompt, answer) pairs that occur in this corpus, answer = the single next word;
        every occurrence of a prompt anywhere in the corpus is followed by its answer."""
        return _facts(self.records)

    def analogies(self, relation: str = None) -> list:
        """(a, b, c, d): a is to b as c is to d, over pairs seen in this corpus in the relation's
        own sentences. Relations: gender, capital, language, plural, past."""
        return _analogies(self.records, relation)

    def senses(self) -> list:
        """(sentence index, word position, word, sense 0 or 1) for every ambiguous word use;
        the sense names are self.ambiguous[word][sense]."""
        return _senses(self.records, self.sentences)

    def log2_prob(self, sentence: str) -> float:
        """log2 p(sentence) under the grammar (via its unique derivation)."""
        derivations = parse(sentence)
        return log2_prob(derivations[0]) if derivations else float("-inf")

    def entropy_bits_per_sentence(self) -> float:
        """Exact H(sentence) = H(template) + sum_t p(t) sum_{draws of t} H(draw), in bits."""
        return entropy_bits_per_sentence()

    def entropy_bits_per_token(self) -> float:
        """H(sentence) / E[tokens per sentence] ('.' counted): the entropy rate a perfect
        word-level language model reaches if it knows nothing across sentences."""
        lengths = np.array([len(t.pattern.split()) for t in TEMPLATES])
        return entropy_bits_per_sentence() / float(lengths @ _template_probs())


def _template_probs() -> np.ndarray:
    """p(template), in TEMPLATES order."""
    probs = np.array([t.prob for t in TEMPLATES])
    return probs / probs.sum()


def entropy_bits_per_sentence() -> float:
    """Exact entropy of the sentence distribution in bits (one derivation per sentence)."""
    p = _template_probs()
    per_template = [sum(_entropy(_DISTS[d][1]) for d in t.draws.values()) for t in TEMPLATES]
    return _entropy(p) + float(p @ np.array(per_template))


def generate_corpus(n_sentences: int = 20_000, seed: int = 0) -> Corpus:
    """Sample n_sentences from the grammar, reproducibly from `seed` (~1 s for 20 000)."""
    records = _sample_records(n_sentences, np.random.default_rng(seed))
    sentences = [_render(_BY_NAME[name], slots) for name, slots in records]
    return Corpus(sentences=sentences, records=records, seed=seed)


# ---------------------------------------------------------------- what the structure guarantees
def _segmentations() -> dict:
    """word -> true morphs (concatenating to the word), for every word with a known analysis."""
    table = {**ADJECTIVES, **ADVERBS}
    for job, parts in JOBS.items():
        table[job], table[job + "s"] = parts, parts + ["s"]
    inflected = [(b, f) for b, forms in VERBS.items() for f in forms] + list(JOB_VERBS.items())
    inflected += [(sg, pl) for sg, pl, _, _ in ANIMALS] + [("live", "lives")]
    for base, form in inflected:
        for suffix in ("s", "es", "ed"):
            if form == base + suffix:
                table[form] = [base, suffix]
    return table


_MORPHEMES = _segmentations()


def _groups(world: dict) -> dict:
    """Semantic groups of the world: group name -> words."""
    countries = world["countries"]
    return {"jobs": list(world["jobs"]), "animals": list(world["animals"]),
            "countries": list(countries), "capitals": [c["capital"] for c in countries.values()],
            "languages": [c["language"] for c in countries.values()], "colours": list(COLOURS),
            "kinship": [w for pair in KIN for w in pair], "adjectives": list(ADJECTIVES),
            "adverbs": list(ADVERBS), "verbs": list(VERBS), "sizes": ["tiny", "small", "big", "huge"],
            "habitats": sorted({a["habitat"] for a in world["animals"].values()}),
            "names": list(world["people"])}


def _facts(records: list) -> list:
    """Distinct (prompt, answer) pairs from the fact templates, in first-seen order."""
    found = {}
    for name, slots in records:
        pattern = _BY_NAME[name].pattern.split()
        for slot in FACT_SLOTS.get(name, []):
            cut = pattern.index("{" + slot + "}")
            prompt = " ".join(pattern[:cut]).format(**slots)
            found.setdefault(prompt, slots[slot])
    return list(found.items())


def _relation_pairs(records: list) -> dict:
    """relation -> sorted (a, b) pairs whose words occur in this corpus in that relation's sentences."""
    seen = {w for _, slots in records for w in slots.values()}
    by_template = lambda t, a, b: {(s[a], s[b]) for n, s in records if n == t}
    gendered = [(GENDERED["male"][k], GENDERED["female"][k]) for k in GENDERED["male"]]
    nouns = [(sg, pl) for sg, pl, _, _ in ANIMALS] + [(j, j + "s") for j in JOBS]
    tenses = [forms for forms in VERBS.values()]
    pairs = {"gender": KIN + gendered, "capital": by_template("capital", "country", "capital"),
             "language": by_template("language", "country", "language"),
             "plural": nouns, "past": tenses}
    return {rel: sorted(p for p in ps if p[0] in seen and p[1] in seen) for rel, ps in pairs.items()}


def _analogies(records: list, relation: str = None) -> list:
    """All (a, b, c, d) with (a, b) and (c, d) two different pairs of the same relation."""
    pairs = _relation_pairs(records)
    chosen = pairs if relation is None else {relation: pairs[relation]}
    return [(a, b, c, d) for ps in chosen.values() for (a, b), (c, d) in permutations(ps, 2)]


def _senses(records: list, sentences: list) -> list:
    """(sentence index, position, word, sense) for each use of an ambiguous word."""
    found = []
    for i, ((name, _), sentence) in enumerate(zip(records, sentences)):
        for position, word in enumerate(sentence.split()):
            if word in AMBIGUOUS:
                found.append((i, position, word, int(name in SECOND_SENSE)))
    return found
