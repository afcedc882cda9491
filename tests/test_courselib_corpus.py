"""Tests for courselib/corpus.py: does the generated corpus have the structure it promises?"""
import itertools
import time
from collections import Counter

import numpy as np
import pytest

from courselib import corpus as cp

SUBJECT_VERB = [("animal", "verb"), ("animal", "be"), ("job", "verb"), ("job", "be")]


@pytest.fixture(scope="module")
def corpus():
    return cp.generate_corpus(20_000, seed=0)


def test_same_seed_same_text_different_seed_different_text():
    """Is the corpus reproducible from its seed, and does the seed matter (but not the world)?"""
    first, again, other = (cp.generate_corpus(500, seed=s) for s in (3, 3, 4))
    assert first.text == again.text and first.records == again.records
    assert first.text != other.text
    assert first.world == other.world


def test_size_time_and_format(corpus):
    """20k sentences: generated fast, a few MB at most, lowercase words, each ending ' .'."""
    start = time.perf_counter()
    cp.generate_corpus(20_000, seed=1)
    assert time.perf_counter() - start < 10.0
    assert len(corpus.sentences) == len(corpus.records) == 20_000
    assert len(corpus.text.encode()) < 5e6
    assert corpus.text == "\n".join(corpus.sentences)
    for sentence, words in zip(corpus.sentences, corpus.tokens()):
        assert sentence.endswith(" .") and sentence == " ".join(words)
        assert all(w == "." or (w.isalpha() and w.islower()) for w in words), sentence


def _all_outcomes(template):
    """Every outcome of a template's draws, with its probability (without p(template))."""
    slots = list(template.draws)
    dists = [cp._DISTS[template.draws[slot]] for slot in slots]    # (options, probs) per slot
    for indices in itertools.product(*[range(len(options)) for options, _ in dists]):
        outcomes = {s: options[i] for s, (options, _), i in zip(slots, dists, indices)}
        prob = np.prod([probs[i] for (_, probs), i in zip(dists, indices)])
        yield outcomes, prob


def test_whole_language_has_one_derivation_per_sentence_and_exact_entropy():
    """Enumerate every sentence: all distinct (one derivation each), p sums to 1, and
    -sum p log2 p equals entropy_bits_per_sentence()."""
    template_probs = cp._template_probs()
    seen, total, entropy = set(), 0.0, 0.0
    for template, p_template in zip(cp.TEMPLATES, template_probs):
        for outcomes, prob in _all_outcomes(template):
            sentence = cp._render(template, template.render(cp._WORLD, outcomes))
            assert sentence not in seen, f"two derivations of {sentence!r}"
            seen.add(sentence)
            p = p_template * prob
            total, entropy = total + p, entropy - p * np.log2(p)
    assert abs(total - 1.0) < 1e-9
    assert abs(entropy - cp.entropy_bits_per_sentence()) < 1e-6


def test_every_sampled_sentence_parses_back_to_its_record(corpus):
    """Does each sentence have exactly one parse, the record that generated it?"""
    for sentence, record in zip(corpus.sentences[:5000], corpus.records[:5000]):
        assert cp.parse(sentence) == [record], sentence


def test_entropy_matches_empirical_estimate(corpus):
    """Is the exact entropy within 4 standard errors of the mean of -log2 p(sentence)?"""
    surprisal = -np.array([corpus.log2_prob(s) for s in corpus.sentences])
    assert np.isfinite(surprisal).all()
    stderr = surprisal.std() / np.sqrt(len(surprisal))
    exact = corpus.entropy_bits_per_sentence()
    assert abs(surprisal.mean() - exact) < 4 * stderr, (surprisal.mean(), exact, stderr)
    mean_len = np.mean([len(t) for t in corpus.tokens()])
    assert abs(corpus.entropy_bits_per_token() - exact / mean_len) < 0.05


def test_log_prob_rejects_sentences_the_grammar_cannot_make(corpus):
    """Broken agreement, a false fact or an unknown word get probability 0 (log2 = -inf)."""
    for sentence in ["the dogs runs quickly .", "the capital of norway is paris .",
                     "the dog is a huge animal .", "the unicorn runs quickly ."]:
        assert corpus.log2_prob(sentence) == float("-inf"), sentence
    assert np.isfinite(corpus.log2_prob("the dogs run quickly ."))


def test_subject_and_verb_agree_in_every_sentence(corpus):
    """Parse each record: is a plural subject always followed by a plural verb, and vice versa?"""
    world = corpus.world
    plural_nouns = {a["plural"] for a in world["animals"].values()} | set(world["jobs"].values())
    plural_verbs = set(cp.VERBS) | set(cp.JOB_VERBS) | {"are", "live"}
    checked, attractors = 0, 0
    for name, slots in corpus.records:
        for subject, verb in SUBJECT_VERB:
            if name != "animal_past" and subject in slots and verb in slots:
                assert (slots[subject] in plural_nouns) == (slots[verb] in plural_verbs), slots
                checked += 1
        if name == "animal_near":
            attractors += (slots["animal"] in plural_nouns) != (slots["other"] in plural_nouns)
    assert checked > 5000 and attractors > 300    # agreement must skip a mismatched noun


def test_ambiguous_words_occur_in_both_senses(corpus):
    """Is each two-sense word used in both senses, with contexts that tell them apart?"""
    uses = corpus.senses()
    for word in corpus.ambiguous:
        assert {sense for _, _, w, sense in uses if w == word} == {0, 1}, word
    for index, position, word, sense in uses:
        words = corpus.sentences[index].split()
        assert words[position] == word
        if word == "bank":
            assert ("money" in words) == (sense == 1) and ("river" in words) == (sense == 0)


def test_morphemes_concatenate_to_the_word(corpus):
    """Does every segmentation spell its word, with derived words common in the corpus?"""
    derived = [w for w in corpus.vocabulary() if corpus.morphemes(w)]
    assert len(derived) > 80
    for word in derived:
        parts = corpus.morphemes(word)
        assert "".join(parts) == word and len(parts) >= 2 and all(parts), (word, parts)
    assert corpus.morphemes("unhelpful") == ["un", "help", "ful"]
    assert corpus.morphemes("teachers") == ["teach", "er", "s"]
    assert corpus.morphemes("walked") == ["walk", "ed"]
    for word in ["dog", "ran", "mice", "the", next(iter(corpus.world["people"]))]:
        assert corpus.morphemes(word) is None, word


def test_facts_prompt_is_always_followed_by_its_answer(corpus):
    """Every occurrence of a fact's prompt, anywhere in the corpus, is followed by its answer."""
    facts = dict(corpus.facts())
    assert len(facts) == len(corpus.facts()) > 300
    assert facts["the capital of norway is"] == "oslo"
    lengths = {len(prompt.split()) for prompt in facts}
    followed = Counter()
    for words in corpus.tokens():
        for length in lengths:
            for start in range(len(words) - length):
                prompt = " ".join(words[start:start + length])
                if prompt in facts:
                    assert words[start + length] == facts[prompt], (prompt, words)
                    followed[prompt] += 1
    assert set(followed) == set(facts)
    assert all(" " not in answer for answer in facts.values())


def test_analogies_use_words_seen_in_their_relation(corpus):
    """Are analogy words in the vocabulary, capital pairs seen in capital sentences, etc.?"""
    vocabulary = set(corpus.vocabulary())
    analogies = corpus.analogies()
    assert len(analogies) > 1000
    assert all(set(quad) <= vocabulary for quad in analogies)
    assert ("norway", "oslo", "france", "paris") in corpus.analogies("capital")
    assert ("brother", "sister", "he", "she") in corpus.analogies("gender")
    assert ("dog", "dogs", "teacher", "teachers") in corpus.analogies("plural")
    assert ("runs", "ran", "walks", "walked") in corpus.analogies("past")
    capital_sentences = {(s["country"], s["capital"]) for n, s in corpus.records if n == "capital"}
    for a, b, c, d in corpus.analogies("capital"):
        assert (a, b) in capital_sentences and (c, d) in capital_sentences
        assert corpus.world["countries"][a]["capital"] == b


def test_groups_labels_and_long_tail(corpus):
    """Groups are world words; labels give a 4-topic task; names have a Zipf-like long tail."""
    groups = corpus.groups()
    assert {"jobs", "animals", "countries", "capitals", "colours", "kinship"} <= set(groups)
    fixed = set(cp._fixed_vocabulary())
    assert not fixed & set(groups["names"])
    topics = corpus.labels()
    assert len(topics) == 20_000 and set(topics) == {"people", "geography", "animals", "work"}
    assert len(set(corpus.labels("template"))) == len(cp.TEMPLATES)
    sentiment = corpus.labels("sentiment")
    assert set(sentiment) == {"positive", "negative", None}
    for (name, slots), label in zip(corpus.records, sentiment):
        assert (label is None) == ("adj" not in slots)
        if label is not None and slots["adj"].startswith("un"):
            assert label == "negative"
    counts = Counter(s["name"] for _, s in corpus.records if "name" in s)
    assert counts.most_common(1)[0][1] > 500 and sum(c <= 2 for c in counts.values()) > 30
