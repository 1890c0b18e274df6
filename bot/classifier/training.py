"""Training and evaluating the technique model (needs the ``train`` extra: scikit-learn).

The labelled lines are content: ``<bank>/data/<part>_<lang>.jsonl``, one JSON object a line with
``text``, ``lang``, ``label`` and optionally ``context`` (the customer's previous line). The
bank's example questions are training lines too. Parts named ``holdout…`` or ``blind…`` measure:
:func:`evaluate` never trains on them. The shipped model trains on everything.

Training is reproducible: features come in a fixed order, the solver has a fixed seed and the
files are written without timestamps, so the same data gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .bank import LABELS, QuestionBank, load_question_bank
from .engine import Classifier
from .features import FEATURE_VERSION, ngrams
from .model import FLAG_VALUE, MODEL_DIR, TechniqueModel

DATA_DIR = "data"
MEASURE_ONLY = ("holdout", "blind")  # prefixes of the parts :func:`evaluate` never trains on
SEED = 0
C = 1.0  # scikit-learn's default: 0.5 made no difference
MIN_DF = 2  # an n-gram seen in one line only is noise, not a feature
FOLDS = 5
# The rules were written against the training lines, so there they look perfect and a model
# would trust them blindly; a small value makes their weights costly, and the n-grams must agree.
# (1.0: blind en 0.88; 0.25: 0.95; the n-grams alone: 0.97 with hold-out en 0.95.)
RULE_VALUE = 0.25
UNSURE_BELOW = 0.3  # below this probability the coach says it is unsure


@dataclass(frozen=True)
class Row:
    """One labelled line."""

    text: str
    lang: str
    label: str
    context: str = ""
    part: str = ""


def parts(bank_dir: Path) -> list[str]:
    """The data part names of a bank, e.g. ``dev_zh``."""
    return sorted(path.stem for path in (bank_dir / DATA_DIR).glob("*.jsonl"))


def measure_only(part: str) -> bool:
    return part.startswith(MEASURE_ONLY)


def read_part(bank_dir: Path, part: str) -> list[Row]:
    rows = []
    for line in (bank_dir / DATA_DIR / f"{part}.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            rows.append(Row(item["text"], item["lang"], item["label"], item.get("context") or "", part))
    return rows


def example_rows(bank: QuestionBank) -> list[Row]:
    """The bank's example questions, except answers-with-a-question (they lack the customer's line)."""
    rows: list[Row] = []
    for technique in bank.techniques.values():
        if technique.id == "answer_with_question":
            continue
        for lang in ("zh", "en"):
            rows.extend(Row(text, lang, technique.id, "", "examples") for text in technique.examples[lang])
    return rows


def training_rows(bank: QuestionBank, holdout: bool) -> list[Row]:
    """Every training line; with ``holdout`` the measuring parts are left out."""
    rows = example_rows(bank)
    for part in parts(bank.directory):
        if not (holdout and measure_only(part)):
            rows.extend(read_part(bank.directory, part))
    return rows


def source_hash(bank_dir: Path, texts: Mapping[str, str] | None = None) -> str:
    """A digest of everything the model is built from: the bank's files, the data, the settings.
    ``texts`` (file name → text) stand for the bank files of those names (a bank published in
    the database)."""
    digest = hashlib.sha256()
    settings = {"features": FEATURE_VERSION, "C": C, "min_df": MIN_DF, "seed": SEED, "folds": FOLDS}
    digest.update(json.dumps(settings, sort_keys=True).encode())
    texts = texts or {}
    contents: dict[str, bytes] = {}
    for path in sorted(bank_dir.glob("*.yaml")):
        contents[path.name] = path.read_bytes()
    for name, text in texts.items():
        contents[name] = text.encode("utf-8")
    for name in sorted(contents):
        digest.update(name.encode() + b"\0")
        digest.update(contents[name].replace(b"\r\n", b"\n") + b"\0")
    for path in sorted((bank_dir / DATA_DIR).glob("*.jsonl")):
        digest.update(path.relative_to(bank_dir).as_posix().encode() + b"\0")
        digest.update(path.read_bytes().replace(b"\r\n", b"\n") + b"\0")
    return digest.hexdigest()


Featurised = tuple[dict[str, int], list[str]]


def featurise(classifier: Classifier, rows: Iterable[Row]) -> list[Featurised]:
    """N-grams and rule flags of each row, computed exactly as at inference."""
    result = []
    for row in rows:
        facts = classifier.facts(row.text, "auto", {"previous": row.context} if row.context else None)
        result.append((ngrams(facts.norm, facts.lang), classifier.flags(facts)))
    return result


def vocabulary(features: Sequence[Featurised]) -> tuple[list[str], int, np.ndarray]:
    """Sorted n-grams seen in at least ``MIN_DF`` lines, then every flag seen; and the n-grams' idf."""
    df: Counter[str] = Counter()
    flags: set[str] = set()
    for grams, line_flags in features:
        df.update(grams.keys())
        flags.update(line_flags)
    grams_kept = sorted(g for g, n in df.items() if n >= MIN_DF)
    n = len(features)
    idf = np.array([math.log((1 + n) / (1 + df[g])) + 1.0 for g in grams_kept])
    return grams_kept + sorted(flags), len(grams_kept), idf


def matrix(model: TechniqueModel, features: Sequence[Featurised]) -> Any:
    """The sparse design matrix, built with the model's own inference path."""
    from scipy.sparse import csr_matrix

    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    for r, (grams, flags) in enumerate(features):
        vector = model.vector(grams, flags)
        rows.extend([r] * len(vector.index))
        cols.extend(vector.index.tolist())
        values.extend(vector.value.tolist())
    return csr_matrix((values, (rows, cols)), shape=(len(features), len(model.vocabulary)))


def _estimator() -> Any:
    from sklearn.svm import LinearSVC

    return LinearSVC(C=C, random_state=SEED, max_iter=20000)


def _fit_temperature(decisions: np.ndarray, gold: np.ndarray) -> float:
    """The softmax temperature that minimises the log-loss of cross-validated decisions."""
    best, best_loss = 1.0, math.inf
    for temperature in np.arange(0.5, 20.01, 0.25):
        scaled = decisions * temperature
        scaled -= scaled.max(axis=1, keepdims=True)
        log_p = scaled - np.log(np.exp(scaled).sum(axis=1, keepdims=True))
        loss = -float(log_p[np.arange(len(gold)), gold].mean())
        if loss < best_loss - 1e-12:
            best, best_loss = float(temperature), loss
    return best


def cross_val_decisions(x: Any, gold: np.ndarray) -> np.ndarray:
    """Decisions for every training line from a model that did not see it (stratified folds)."""
    from sklearn.model_selection import StratifiedKFold

    decisions = np.zeros((x.shape[0], len(LABELS)))
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    for train, test in folds.split(x, gold):
        estimator = _estimator().fit(x[train], gold[train])
        decisions[np.ix_(test, estimator.classes_)] = estimator.decision_function(x[test])
        missing = np.setdiff1d(np.arange(len(LABELS)), estimator.classes_)
        decisions[np.ix_(test, missing)] = -10.0  # a label absent from a fold is never chosen
    return decisions


@dataclass
class Trained:
    """A trained model with what evaluation needs: its estimator, design matrix and CV decisions."""

    model: TechniqueModel
    estimator: Any
    x: Any
    gold: np.ndarray
    cv_decisions: np.ndarray
    classifier: Classifier


def train(bank: QuestionBank, holdout: bool = False, extra: Sequence[Row] = ()) -> Trained:
    """Fit the model on the bank's training lines (without the measuring parts when ``holdout``)
    and ``extra`` ones (reviewed lines kept in the database)."""
    classifier = Classifier.from_bank(bank, rules_only=True)
    rows = training_rows(bank, holdout) + list(extra)
    features = featurise(classifier, rows)
    names, n_grams, idf = vocabulary(features)
    labels = tuple(LABELS)
    shell = TechniqueModel(
        labels,
        names,
        n_grams,
        idf.astype(np.float32).astype(np.float64),
        np.zeros((len(names), len(labels))),
        np.zeros(len(labels)),
        1.0,
        UNSURE_BELOW,
        {"rule_value": RULE_VALUE},
    )
    x = matrix(shell, features)
    gold = np.array([labels.index(r.label) for r in rows])
    estimator = _estimator().fit(x, gold)
    if list(estimator.classes_) != list(range(len(labels))):
        raise ValueError("every label needs training lines")
    cv = cross_val_decisions(x, gold)
    model = TechniqueModel(
        labels=labels,
        vocabulary=names,
        n_grams=n_grams,
        idf=shell.idf,
        coef=estimator.coef_.T.astype(np.float32).astype(np.float64),
        intercept=estimator.intercept_.astype(np.float32).astype(np.float64),
        temperature=_fit_temperature(cv, gold),
        unsure_below=UNSURE_BELOW,
        info={
            "bank_version": bank.version,
            "source_hash": source_hash(bank.directory, bank.texts),
            "lines": len(rows),
            "held_out": holdout,
            "estimator": f"LinearSVC(C={C}, random_state={SEED})",
            "flag_value": FLAG_VALUE,
            "rule_value": RULE_VALUE,
        },
    )
    return Trained(model, estimator, x, gold, cv, Classifier(bank, model))


def train_and_save(bank_dir: Path) -> TechniqueModel:
    """``coach bank train``: train on every line and write ``<bank>/model/``."""
    trained = train(load_question_bank(bank_dir))
    trained.model.save(bank_dir / MODEL_DIR)
    return trained.model


@dataclass(frozen=True)
class Measured:
    """One scored slice: its name, language, gold and predicted labels."""

    name: str
    lang: str
    gold: list[str]
    pred: list[str]


def evaluate(bank_dir: Path) -> list[Measured]:
    """``coach bank evaluate``: train without the measuring parts, then score.

    Gives cross-validated predictions on the training lines and the trained classifier's answers
    (vetoes and the unsure threshold included) on each hold-out and blind part, per language.
    """
    bank = load_question_bank(bank_dir)
    trained = train(bank, holdout=True)
    rows = training_rows(bank, holdout=True)
    labels = trained.model.labels
    cv_pred = [labels[i] for i in trained.cv_decisions.argmax(axis=1)]
    results = []
    for lang in ("zh", "en"):
        chosen = [i for i, row in enumerate(rows) if row.lang == lang]
        results.append(
            Measured(
                "training (cross-validated)",
                lang,
                [rows[i].label for i in chosen],
                [cv_pred[i] for i in chosen],
            )
        )
    for part in parts(bank_dir):
        if not measure_only(part):
            continue
        part_rows = read_part(bank_dir, part)
        pred = [
            trained.classifier.classify(
                r.text, context={"previous": r.context} if r.context else None
            ).technique
            for r in part_rows
        ]
        name, _, lang = part.rpartition("_")
        results.append(Measured(name, lang, [r.label for r in part_rows], pred))
    return results
