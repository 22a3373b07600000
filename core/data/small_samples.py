"""How far a score on a few held-out examples can be trusted.

A sensitivity computed from one malignant case is 0 % or 100 %; an AUC from
a handful moves by large steps. Below about ten held-out examples of a
class, the course says so next to the numbers.
"""

from __future__ import annotations

import numpy as np

#: fewer held-out examples of a class than this, and its scores get a caution
FEW_EXAMPLES = 10


def few_examples(labels: np.ndarray, names: list[str], minimum: int = FEW_EXAMPLES) -> dict[str, int]:
    """The classes with fewer than `minimum` examples among `labels`, and how many each has.

    Parameters
    ----------
    labels : numpy.ndarray
        Integer class of each held-out example.
    names : list of str
        Class names, indexed by label.
    minimum : int
        The smallest count that needs no caution.

    Returns
    -------
    dict
        ``{class name: count}`` for the classes under `minimum` (empty when all are enough).

    Examples
    --------
    >>> few_examples(np.array([0] * 19 + [1]), ["benign", "malignant"])
    {'malignant': 1}
    >>> few_examples(np.array([0] * 12 + [1] * 10), ["benign", "malignant"])
    {}
    """
    counts = np.bincount(np.asarray(labels, dtype=np.int64).ravel(), minlength=len(names))
    return {name: int(count) for name, count in zip(names, counts) if count < minimum}


def caution_text(small: dict[str, int], total: int) -> str:
    """A plain caution for `few_examples`' answer (empty string when there is nothing to say).

    Examples
    --------
    >>> caution_text({"malignant": 1}, 20).split(":")[0]
    'Only 1 malignant image among the 20 held out'
    """
    if not small:
        return ""
    listed = ", ".join(f"{count} {name}" for name, count in small.items())
    return (f"Only {listed} image{'s' if sum(small.values()) != 1 else ''} among the {total} held out: "
            f"sensitivity, specificity and AUC computed from fewer than {FEW_EXAMPLES} examples of a class move by "
            "large steps with a single image, so read them as rough. Use more images, a larger held-out share or "
            "a balanced set before trusting them.")
