"""Reference BLEU values for crates/dojo/src/evaluation/bleu.rs, from sacreBLEU.

Writes crates/dojo/fixtures/evaluation/bleu.json: a list of cases, each with the hypotheses,
the reference streams (refs[k][i] = stream k's reference for hypothesis i), the options, and
sacreBLEU's score, precisions, brevity penalty and lengths. Sentence cases use
`sentence_score` with effective order, as `sacrebleu.sentence_bleu` does.

Versions: python 3.11, sacrebleu 2.6.0. No randomness. Run from the repository root:
    python refs/evaluation.py
"""

import json
import os

from sacrebleu.metrics import BLEU

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


if __name__ == "__main__":
    main()
