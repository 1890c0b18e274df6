"""The trained technique model and its numpy-only inference path.

The model is a linear classifier over sparse features (TF-IDF of n-grams, binary rule flags):
``decision = x · coef + intercept``, and a probability is ``softmax(decision · temperature)``
with the temperature fitted on cross-validated decisions. It ships in the question bank's
``model/`` folder as two files that load without pickle: ``technique.npz`` (the arrays) and
``technique.json`` (labels, vocabulary and where the model came from). scikit-learn is needed
only to train it (:mod:`bot.classifier.training`).
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MODEL_DIR = "model"
ARRAYS = "technique.npz"
META = "technique.json"
FLAG_VALUE = 1.0  # the value of a binary feature (a rule hit, a clause fact)
RULE_PREFIX = "r:"  # a rule's hit: its value is the model's ``rule_value`` (see training.py)
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip entries carry no clock time: same data, same bytes


@dataclass(frozen=True)
class Vector:
    """One line's sparse features: column indices and their values."""

    index: np.ndarray
    value: np.ndarray


@dataclass
class TechniqueModel:
    """A trained linear technique model (see the module docstring)."""

    labels: tuple[str, ...]
    vocabulary: list[str]  # n-gram features first (``n_grams`` of them), then the flags
    n_grams: int
    idf: np.ndarray
    coef: np.ndarray  # features × labels
    intercept: np.ndarray
    temperature: float
    unsure_below: float
    info: dict[str, Any]  # bank version, source hash, training settings

    @property
    def rule_value(self) -> float:
        """The value of a rule-hit feature (smaller than a clause fact's: see training.py)."""
        return float(self.info.get("rule_value", FLAG_VALUE))

    def __post_init__(self) -> None:
        # n-grams and flags are looked up apart: a flag can never be read as an n-gram
        self._grams = {
            name: (i, float(self.idf[i])) for i, name in enumerate(self.vocabulary[: self.n_grams])
        }
        self._flags = {name: self.n_grams + i for i, name in enumerate(self.vocabulary[self.n_grams :])}
        # the fast path looks the unprefixed pieces up directly (see :meth:`vector_of`)
        self._chars = {
            name[2:]: i for i, name in enumerate(self.vocabulary[: self.n_grams]) if name[:2] == "c:"
        }
        self._words = {
            name[2:]: i for i, name in enumerate(self.vocabulary[: self.n_grams]) if name[:2] == "w:"
        }

    # --- inference --------------------------------------------------------------------------

    def vector(self, grams: dict[str, int], flags: list[str]) -> Vector:
        """TF-IDF of the known n-grams (L2-normalised), then the known flags (each once)."""
        get = self._grams.get
        known = [(hit[0], count * hit[1]) for gram, count in grams.items() if (hit := get(gram)) is not None]
        norm = math.sqrt(sum(v * v for _, v in known)) or 1.0
        extra_index, extra_value = self._flag_values(flags)
        index = [i for i, _ in known] + extra_index
        value = [v / norm for _, v in known] + extra_value
        return Vector(np.asarray(index, dtype=np.int64), np.asarray(value, dtype=np.float64))

    def vector_of(self, chars: list[str], word_grams: list[str], flags: list[str]) -> Vector:
        """:meth:`vector` from :func:`features.pieces`, looked up and counted in C (the fast path)."""
        counts = Counter(map(self._chars.get, chars))
        counts.update(map(self._words.get, word_grams))
        counts.pop(None, None)
        index = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        value = np.fromiter(counts.values(), dtype=np.float64, count=len(counts)) * self.idf[index]
        norm = math.sqrt(float(value @ value)) or 1.0
        extra_index, extra_value = self._flag_values(flags)
        return Vector(
            np.concatenate((index, np.asarray(extra_index, dtype=np.int64))),
            np.concatenate((value / norm, np.asarray(extra_value, dtype=np.float64))),
        )

    def _flag_values(self, flags: list[str]) -> tuple[list[int], list[float]]:
        """Columns and values of the known flags, each once."""
        index: list[int] = []
        value: list[float] = []
        rule_value = self.rule_value
        for flag in dict.fromkeys(flags):
            i = self._flags.get(flag)
            if i is not None:
                index.append(i)
                value.append(rule_value if flag.startswith(RULE_PREFIX) else FLAG_VALUE)
        return index, value

    def decision(self, vector: Vector) -> np.ndarray:
        """The linear scores, one per label."""
        result: np.ndarray = vector.value @ self.coef[vector.index] + self.intercept
        return result

    def probabilities(self, decision: np.ndarray) -> np.ndarray:
        """Calibrated probabilities: a softmax of the scores at the fitted temperature."""
        scaled = decision * self.temperature
        scaled = np.exp(scaled - scaled.max())
        result: np.ndarray = scaled / scaled.sum()
        return result

    def contributions(self, vector: Vector, label: str, top: int) -> list[tuple[str, float]]:
        """The ``top`` features that pushed most towards ``label``, strongest first."""
        weights = vector.value * self.coef[vector.index, self.labels.index(label)]
        order = np.argsort(-weights, kind="stable")[:top].tolist()
        found = weights[order].tolist()
        return [(self.vocabulary[vector.index[i]], w) for i, w in zip(order, found, strict=True) if w > 0]

    # --- files ------------------------------------------------------------------------------

    @classmethod
    def load(cls, directory: Path) -> TechniqueModel | None:
        """The model in ``directory``, or None when there is none."""
        meta_path, arrays_path = directory / META, directory / ARRAYS
        if not meta_path.exists() or not arrays_path.exists():
            return None
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        with np.load(arrays_path, allow_pickle=False) as arrays:
            return cls(
                labels=tuple(meta["labels"]),
                vocabulary=list(meta["vocabulary"]),
                n_grams=int(meta["n_grams"]),
                idf=arrays["idf"].astype(np.float64),
                coef=np.ascontiguousarray(arrays["coef"], dtype=np.float32),
                intercept=arrays["intercept"].astype(np.float64),
                temperature=float(meta["temperature"]),
                unsure_below=float(meta["unsure_below"]),
                info=dict(meta["info"]),
            )

    def save(self, directory: Path) -> None:
        """Write both files so that the same model always gives the same bytes."""
        directory.mkdir(parents=True, exist_ok=True)
        meta = {
            "info": self.info,
            "labels": list(self.labels),
            "n_grams": self.n_grams,
            "temperature": self.temperature,
            "unsure_below": self.unsure_below,
            "vocabulary": self.vocabulary,
        }
        text = json.dumps(meta, ensure_ascii=False, sort_keys=True, indent=0)
        (directory / META).write_text(text + "\n", encoding="utf-8")
        arrays = {
            "coef": self.coef.astype(np.float32),
            "idf": self.idf.astype(np.float32),
            "intercept": self.intercept.astype(np.float32),
        }
        with zipfile.ZipFile(directory / ARRAYS, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, array in arrays.items():
                buffer = io.BytesIO()
                np.save(buffer, array, allow_pickle=False)
                entry = zipfile.ZipInfo(f"{name}.npy", date_time=_FIXED_TIME)
                entry.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(entry, buffer.getvalue())
