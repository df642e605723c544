"""Reference BLEU and ROUGE values for crates/dojo/src/evaluation/, from sacreBLEU and
Google's rouge-score.

Writes crates/dojo/fixtures/evaluation/bleu.json: a list of cases, each with the hypotheses,
the reference streams (refs[k][i] = stream k's reference for hypothesis i), the options, and
sacreBLEU's score, precisions, brevity penalty and lengths. Sentence cases use
`sentence_score` with effective order, as `sacrebleu.sentence_bleu` does.

Also writes crates/dojo/fixtures/evaluation/rouge.json: for each (target, prediction) pair,
rouge-score's (precision, recall, fmeasure) for rouge1, rouge2, rougeL and rougeLsum, without
the stemmer.

And crates/dojo/fixtures/evaluation/squad.json: the SQuAD v1.1 official script's normalisation,
exact match and F1 (its functions, transcribed below: the script is not a package) on answers
with punctuation, articles, unicode and whitespace.

And crates/dojo/fixtures/evaluation/classification.json: scikit-learn's accuracy and
precision/recall/F1 (per class, macro, micro; zero_division=0) on random label sets (seed 7).

And crates/dojo/fixtures/evaluation/chrf.json: sacreBLEU's chrF and chrF++ on the BLEU corpus.

Versions: python 3.11, sacrebleu 2.6.0, rouge-score 0.1.2, scikit-learn 1.9.1, numpy 2.4.6. No randomness. Run from the
repository root:
    python refs/evaluation.py
"""

import collections
import json
import os
import re
import string

from rouge_score import rouge_scorer
from sacrebleu.metrics import BLEU, CHRF

OUT = os.path.join("crates", "dojo", "fixtures", "evaluation", "bleu.json")

CORPUS_HYPS = [
    "The cat sat on the mat.",
    "It costs $3.50, or 3,000 yen -- a bargain!",
    "A quick brown fox jumps over the lazy dog",
    "",
    "Numbers like 1,234.56 and 2-3 need care: e-mail, don't, U.S.A.",
    "Überraschung! Café au lait, naïve façade — très bien.",
    "the the the the the the the",
    "She said &quot;hello&quot; &amp; left<skipped> early.",
    "Mixed   whitespace\tand trailing spaces   ",
    "中文 字符 不 被 分词",
    " ".join(["long"] * 40 + ["sentence", "with", "many", "repeats", "."]),
]
CORPUS_REFS = [
    [
        "The cat is on the mat.",
        "It costs $3.50, or 3,000 yen. A bargain!",
        "The quick brown fox jumped over the lazy dog.",
        "Nothing here.",
        "Numbers like 1,234.56 and 2-3 need care: email, do not, U.S.A.",
        "Überraschung! Café au lait, naive facade — très bien.",
        "the cat",
        'She said "hello" & left early.',
        "Mixed whitespace and trailing spaces",
        "中文 字符 不 分词",
        " ".join(["long"] * 38 + ["sentence", "with", "repeats", "."]),
    ],
    [
        "There is a cat on the mat.",
        "The price is $3.50 (3,000 yen): a bargain!",
        "A fast brown fox leaps over a lazy dog",
        "",
        "Numbers such as 1,234.56 and 2-3 require care: e-mail, don't, USA.",
        "Surprise! Coffee with milk, naive facade, very good.",
        "the the cat",
        "She said hello and left early.",
        "mixed whitespace and trailing spaces",
        "中文 字符 被 分词",
        " ".join(["long"] * 42 + ["sentence", "."]),
    ],
]

SENTENCES = [
    ("the cat sat on the mat", ["the cat is on the mat"]),
    ("The quick brown fox", ["The quick brown fox jumps", "A quick brown fox"]),
    ("hello", ["hello world"]),
    ("", ["something"]),
    ("a b c", ["a b", "a b c d"]),
    ("Completely different words here", ["Nothing in common at all"]),
    ("It's 9.30 p.m., isn't it?", ["It is 9.30 p.m., is it not?"]),
]


def case(name, hyps, refs, sentence=False, **opts):
    bleu = BLEU(effective_order=sentence, **opts)
    s = bleu.sentence_score(hyps[0], [r[0] for r in refs]) if sentence else bleu.corpus_score(hyps, refs)
    return {
        "name": name,
        "hyps": hyps,
        "refs": refs,
        "lowercase": opts.get("lowercase", False),
        "tokenize": opts.get("tokenize", "13a"),
        "smooth": opts.get("smooth_method", "exp"),
        "smooth_value": opts.get("smooth_value"),
        "sentence": sentence,
        "score": s.score,
        "precisions": list(s.precisions),
        "bp": s.bp,
        "sys_len": s.sys_len,
        "ref_len": s.ref_len,
    }


def main():
    cases = []
    for smooth, value in [("exp", None), ("none", None), ("floor", None), ("floor", 0.3), ("add-k", None), ("add-k", 2)]:
        for tok in ["13a", "none"]:
            for lower in [False, True]:
                opts = {"smooth_method": smooth, "tokenize": tok, "lowercase": lower}
                if value is not None:
                    opts["smooth_value"] = value
                tag = f"{smooth}{'' if value is None else value}-{tok}-{'lc' if lower else 'cased'}"
                cases.append(case(f"corpus 2 refs {tag}", CORPUS_HYPS, CORPUS_REFS, **opts))
                cases.append(case(f"corpus 1 ref {tag}", CORPUS_HYPS, CORPUS_REFS[:1], **opts))
    for i, (h, rs) in enumerate(SENTENCES):
        for smooth in ["exp", "floor", "add-k", "none"]:
            cases.append(case(f"sentence {i} {smooth}", [h], [[r] for r in rs], sentence=True, smooth_method=smooth))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=False, indent=1)
    print(f"{len(cases)} cases -> {OUT}")
    rouge_cases()
    squad_cases()
    classification_cases()
    chrf_cases()


def chrf_cases():
    out = []
    for word_order in (0, 2):
        for lower in (False, True):
            for name, refs in (("2 refs", CORPUS_REFS), ("1 ref", CORPUS_REFS[:1])):
                m = CHRF(word_order=word_order, lowercase=lower)
                out.append({"name": f"corpus {name} word_order {word_order} lc {lower}", "hyps": CORPUS_HYPS,
                            "refs": refs, "word_order": word_order, "lowercase": lower,
                            "score": m.corpus_score(CORPUS_HYPS, refs).score})
        for i, (h, rs) in enumerate(SENTENCES):
            m = CHRF(word_order=word_order)
            out.append({"name": f"sentence {i} word_order {word_order}", "hyps": [h], "refs": [[r] for r in rs],
                        "word_order": word_order, "lowercase": False, "score": m.sentence_score(h, rs).score})
    path = os.path.join(os.path.dirname(OUT), "chrf.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
    print(f"{len(out)} cases -> {path}")


def classification_cases():
    import numpy as np
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    rng = np.random.default_rng(7)
    out = []
    for classes, n, skill in [(2, 50, 0.7), (3, 40, 0.5), (5, 200, 0.3), (4, 10, 0.0), (6, 30, 0.9)]:
        gold = rng.integers(0, classes, n)
        pred = np.where(rng.random(n) < skill, gold, rng.integers(0, classes, n))
        labels = list(range(classes))
        macro = precision_recall_fscore_support(gold, pred, labels=labels, average="macro", zero_division=0)
        micro = precision_recall_fscore_support(gold, pred, labels=labels, average="micro", zero_division=0)
        out.append({
            "gold": gold.tolist(), "pred": pred.tolist(), "classes": classes,
            "accuracy": accuracy_score(gold, pred),
            "macro_prf": [float(x) for x in macro[:3]], "micro_prf": [float(x) for x in micro[:3]],
            "per_class_f1": [float(x) for x in f1_score(gold, pred, labels=labels, average=None, zero_division=0)],
        })
    path = os.path.join(os.path.dirname(OUT), "classification.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1)
    print(f"{len(out)} cases -> {path}")


def squad_normalize(s):
    """SQuAD v1.1 evaluate-v1.1.py: normalize_answer."""
    def remove_articles(text):
        return re.sub(r"\b(a|an|the)\b", " ", text)

    def white_space_fix(text):
        return " ".join(text.split())

    def remove_punc(text):
        exclude = set(string.punctuation)
        return "".join(ch for ch in text if ch not in exclude)

    return white_space_fix(remove_articles(remove_punc(s.lower())))


def squad_f1(prediction, ground_truth):
    p, g = squad_normalize(prediction).split(), squad_normalize(ground_truth).split()
    common = collections.Counter(p) & collections.Counter(g)
    num_same = sum(common.values())
    if num_same == 0:
        return 0
    precision, recall = num_same / len(p), num_same / len(g)
    return (2 * precision * recall) / (precision + recall)


def squad_cases():
    items = [
        ("Paris", ["paris", "Paris, France"]),
        ("The Eiffel-Tower!", ["Eiffel Tower", "the eiffeltower"]),
        ("an apple a day", ["apple day", "An apple"]),
        ("theater and anthem", ["the theater", "anthem"]),
        ("", ["something"]),
        ("Denver Broncos", ["Denver Broncos", "The Denver Broncos"]),
        ("the the the", ["the"]),
        ("1,234.5 km/h", ["1234.5 kmh"]),
        ("Ünïcödé café — naïve", ["unicode cafe naive", "ünïcödé café — naïve"]),
        ("the—cat sat", ["cat sat"]),
        ("  lots \t of\n whitespace  ", ["lots of whitespace"]),
        ("A_the and_an", ["a the and an"]),
        ("cat cat dog", ["cat dog dog"]),
        ("Saint Bernadette Soubirous", ["Saint Bernadette Soubirous", "Bernadette"]),
        ("in the late 1990s", ["late 1990s", "1990s"]),
    ]
    out = []
    for pred, golds in items:
        em = max(float(squad_normalize(pred) == squad_normalize(g)) for g in golds)
        f1 = max(squad_f1(pred, g) for g in golds)
        out.append({"prediction": pred, "golds": golds, "normalized": squad_normalize(pred),
                    "em": 100.0 * em, "f1": 100.0 * f1})
    path = os.path.join(os.path.dirname(OUT), "squad.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
    print(f"{len(out)} cases -> {path}")


ROUGE_PAIRS = [
    ("The cat sat on the mat.", "the cat, on the mat today"),
    ("A quick brown fox jumps over the lazy dog", "The quick brown dog jumps on the log."),
    ("", "something"),
    ("something", ""),
    ("Café, naïve 3.5-kg BOX!", "cafe naive 3 5 kg box"),
    ("the the the the", "the the"),
    ("police killed the gunman", "the gunman killed police"),
    ("First sentence here.\nSecond sentence follows.\nThird one.", "Second sentence here.\nFirst one follows."),
    ("a b c d e\nf g h", "a c e\ng h\nb d"),
    ("one two three\n\nfour five", "five four\nthree two one"),
    ("Numbers 1,234 and 56.7% rose 3x", "numbers rose 1 234 and 56 7 3x"),
    ("ÜBER alles — prices fell 10%", "uber prices fell 10 percent"),
    ("w1 w2 w3 w4 w5 w6 w7 w8 w9 w10", "w10 w9 w8 w7 w6 w5 w4 w3 w2 w1"),
    ("x y x y x y", "y x y x"),
    ("the cat\nthe cat\nthe cat", "the cat the cat"),
    ("A B\nA B\nC", "A\nB A\nB C"),
]


def rouge_cases():
    types = ["rouge1", "rouge2", "rougeL", "rougeLsum"]
    scorer = rouge_scorer.RougeScorer(types, use_stemmer=False)
    long_t = " ".join(f"w{i % 37}" for i in range(300))
    long_p = " ".join(f"w{(i * 7) % 41}" for i in range(280))
    pairs = ROUGE_PAIRS + [(long_t, long_p), (long_t.replace(" w5 ", "\n"), long_p.replace(" w3 ", "\n"))]
    out = []
    for t, p in pairs:
        s = scorer.score(t, p)
        out.append({"target": t, "prediction": p,
                    "scores": {k: [s[k].precision, s[k].recall, s[k].fmeasure] for k in types}})
    path = os.path.join(os.path.dirname(OUT), "rouge.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
    print(f"{len(out)} cases -> {path}")


if __name__ == "__main__":
    main()
