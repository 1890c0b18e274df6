"""The trained model: it matches its data, its numpy path matches scikit-learn, and it judges the
lines the rules misjudged."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from bot.classifier import LABELS, Classifier, default_bank
from bot.classifier.features import ngrams, pieces
from bot.classifier.model import MODEL_DIR, TechniqueModel
from bot.classifier.training import Trained, featurise, read_part, source_hash, train
from bot.config import PROJECT_ROOT
from bot.vocab import Technique

BANK_DIR = PROJECT_ROOT / "questionbank"


@pytest.fixture(scope="module")
def trained() -> Trained:
    """A model trained without the measuring parts, with its scikit-learn estimator."""
    return train(default_bank(), holdout=True)


def test_labels_are_the_vocabularys_techniques() -> None:
    assert tuple(LABELS) == tuple(t.value for t in Technique)


def test_shipped_model_matches_its_data() -> None:
    """Run ``coach bank train`` after changing the bank or its data (CI fails otherwise)."""
    model = TechniqueModel.load(BANK_DIR / MODEL_DIR)
    assert model is not None, "no model in questionbank/model: run coach bank train"
    assert model.info["source_hash"] == source_hash(BANK_DIR), "stale model: run coach bank train"
    assert model.info["bank_version"] == default_bank().version
    assert model.labels == tuple(LABELS)


def test_training_is_reproducible(trained: Trained, tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    model = trained.model
    model.save(first)
    train(default_bank(), holdout=True).model.save(second)
    for name in ("technique.json", "technique.npz"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    loaded = TechniqueModel.load(first)
    assert loaded is not None and loaded.vocabulary == model.vocabulary
    assert np.array_equal(loaded.coef, model.coef) and loaded.temperature == model.temperature


def test_numpy_path_gives_the_estimators_answers(trained: Trained) -> None:
    """The inference path (sparse features · weights) against scikit-learn on the same lines."""
    model, classifier = trained.model, trained.classifier
    rows = read_part(BANK_DIR, "blind2_zh") + read_part(BANK_DIR, "blind2_en")
    features = featurise(classifier, rows)
    from bot.classifier.training import matrix

    expected = trained.estimator.decision_function(matrix(model, features))
    for row, (grams, flags), wanted in zip(rows, features, expected, strict=True):
        facts = classifier.facts(row.text, "auto", {"previous": row.context} if row.context else None)
        fast = model.vector_of(*pieces(facts.norm, facts.lang), flags)
        slow = model.vector(grams, flags)
        assert np.allclose(model.decision(fast), wanted, atol=1e-4), row.text
        assert np.allclose(model.decision(slow), wanted, atol=1e-4), row.text
        assert ngrams(facts.norm, facts.lang) == grams
        assert model.labels[int(np.argmax(model.decision(fast)))] == LABELS[int(np.argmax(wanted))]


def test_probabilities_are_a_distribution_and_rank_like_the_scores(trained: Trained) -> None:
    model = trained.model
    for decision in trained.cv_decisions[:200]:
        p = model.probabilities(decision)
        assert p.sum() == pytest.approx(1.0) and (p >= 0).all()
        assert int(p.argmax()) == int(decision.argmax())


def test_cross_validated_confidence_is_calibrated(trained: Trained) -> None:
    """Lines the model is sure of are mostly right; lines it doubts are often wrong."""
    probabilities = np.array([trained.model.probabilities(d) for d in trained.cv_decisions])
    confidence = probabilities.max(axis=1)
    right = probabilities.argmax(axis=1) == trained.gold
    sure, doubtful = confidence >= 0.9, confidence < 0.6
    assert right[sure].mean() >= 0.95
    assert right[doubtful].mean() < right[sure].mean() - 0.2
    assert abs(right.mean() - confidence.mean()) < 0.05


def test_below_the_threshold_the_coach_is_unsure(classifier: Classifier) -> None:
    assert classifier.model is not None
    doubtful = Classifier(classifier.bank, dataclasses.replace(classifier.model, unsure_below=1.01))
    result = doubtful.classify("Why did the board say no?")
    assert result.unsure and result.technique == "statement" and result.techniques == ("statement",)
    assert result.guess == "why"
    sure = classifier.classify("Why did the board say no?")
    assert not sure.unsure and sure.guess is None and sure.technique == "why"


# --- the lines reps complained about -------------------------------------------------------------


def test_a_peer_remark_is_a_statement_not_a_question(classifier: Classifier) -> None:
    assert classifier.classify("有几家也遇到过…").technique == "statement"
    assert classifier.classify("A couple of other plants have seen that too...").technique == "statement"


@pytest.mark.parametrize(
    "text",
    [
        "看您眼睛都熬红了，这几天是不是又通宵了",
        "新仓库刚启用，大家这阵子适应得怎么样？",
        "You just got back from the trade fair, you must be worn out",
        "The new owners took over in May, how has the team been finding it?",
    ],
)
def test_care_without_trigger_words_is_care(classifier: Classifier, text: str) -> None:
    assert classifier.classify(text).technique == "curiosity_care"


def test_a_hard_pitch_is_a_pitch_not_a_good_opener(classifier: Classifier) -> None:
    result = classifier.classify("我们的终端是行业里最好的，价格也最便宜，您买我们的吧！")
    assert result.technique == "pitch"
    assert "closed_question" not in result.techniques
    english = classifier.classify(
        "Our terminals are the best in the industry and the cheapest, just buy ours!"
    )
    assert english.technique == "pitch"


def test_several_techniques_are_reported_primary_first_then_in_order(classifier: Classifier) -> None:
    result = classifier.classify("Sorry to ask, but why was the project cancelled?")
    assert result.techniques == ("why", "humble_disclaimer")
    result = classifier.classify("不好意思，想问一下去年为什么没有续约？")
    assert result.techniques == ("why", "humble_disclaimer")


def test_answering_with_a_question_needs_the_customers_question(classifier: Classifier) -> None:
    """A hard veto: without the customer's question there is nothing to answer."""
    text = "可以的，支持离线使用。你们仓库里信号怎么样？"
    assert classifier.classify(text, context={"previous": "没网的时候能用吗？"}).technique == (
        "answer_with_question"
    )
    assert classifier.classify(text).technique != "answer_with_question"
    assert classifier.classify(text, context={"previous": "我们仓库在地下室。"}).technique != (
        "answer_with_question"
    )


@pytest.mark.parametrize(
    "text",
    [
        "交期老是拖这个事，您自己琢磨过怎么解决没有？",
        "要是我有个办法能让返工少一半，您想听听吗",
        "Would it help to hear how another clinic got its no-shows down?",
        "If I had an idea for the late invoices, would you be interested?",
    ],
)
def test_interest_check(classifier: Classifier, text: str) -> None:
    assert classifier.classify(text).technique == "interest_check"


def test_evidence_names_what_weighed_most(classifier: Classifier) -> None:
    result = classifier.classify("Whats causing the backlog in the claims team?")
    assert result.technique == "why"
    assert "whats-causing" in [e.pattern for e in result.evidence]
    weights = [e.weight for e in result.evidence]
    assert weights == sorted(weights, reverse=True) and weights[0] > 0
