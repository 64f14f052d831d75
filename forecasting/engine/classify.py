"""Demand classes after Syntetos, Boylan & Croston (2005).

ADI (average demand interval: periods per period with a sale) says how often a
product sells; CV² (squared coefficient of variation of the non-zero quantities)
how much the order size varies. Their cut-offs, 1.32 and 0.49, are where Croston's
method (with the SBA correction) starts to beat simple smoothing, so the class
says which family of methods to try first.
"""

from __future__ import annotations

import numpy as np

ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49
NEW_PERIODS = 8  # fewer periods than this since the first sale: too little to fit, borrow from the group

SMOOTH, ERRATIC, INTERMITTENT, LUMPY, NEW, NONE = "smooth", "erratic", "intermittent", "lumpy", "new", "none"
CLASSES = (SMOOTH, ERRATIC, INTERMITTENT, LUMPY, NEW, NONE)


def adi_cv2(Y: np.ndarray, launch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ADI and CV² of each row of Y from its launch on; NaN for rows that never sold."""
    n, T = Y.shape
    alive = np.arange(T)[None, :] >= launch[:, None]
    sold = (Y > 0) & alive
    count = sold.sum(axis=1)
    periods = T - launch
    with np.errstate(divide="ignore", invalid="ignore"):
        adi = np.where(count > 0, periods / np.maximum(count, 1), np.nan)
        sizes = np.where(sold, Y, 0.0)
        mean = sizes.sum(axis=1) / np.maximum(count, 1)
        var = np.where(sold, (Y - mean[:, None]) ** 2, 0.0).sum(axis=1) / np.maximum(count, 1)
        cv2 = np.where(count > 0, var / np.where(mean > 0, mean**2, 1.0), np.nan)
    return adi, cv2


def classify(
    Y: np.ndarray, launch: np.ndarray, *, new_periods: int = NEW_PERIODS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(classes, adi, cv2) per row. A row that never sold is "none", a young one "new"."""
    adi, cv2 = adi_cv2(Y, launch)
    frequent = adi < ADI_CUTOFF
    steady = cv2 < CV2_CUTOFF
    classes = np.where(frequent, np.where(steady, SMOOTH, ERRATIC), np.where(steady, INTERMITTENT, LUMPY)).astype(
        object
    )
    history = Y.shape[1] - launch
    classes[history < new_periods] = NEW
    classes[np.isnan(adi)] = NONE
    return classes, adi, cv2


def classify_series(values) -> str:
    """The demand class of one series (a sequence of quantities, oldest first)."""
    Y = np.asarray(values, dtype=float)[None, :]
    sold = Y > 0
    launch = np.array([sold.argmax() if sold.any() else Y.shape[1]])
    return str(classify(Y, launch)[0][0])
