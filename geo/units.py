"""Units used across InvestMap (shared/domain.md §2).

1 亩 (mu) = 10000/15 m² exactly; 1 公顷 (ha) = 15 亩.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

M2_PER_MU: float = 10_000 / 15
"""Square metres in one 亩 (mu): 666.666… m², exact by definition."""

MU_PER_HA: float = 15.0
"""亩 in one 公顷 (hectare)."""


def m2_to_mu(area_m2: float | npt.ArrayLike) -> float | np.ndarray:
    """Convert square metres to 亩: ``mu = m2 / (10000 / 15)``."""
    return np.asarray(area_m2, dtype="float64") / M2_PER_MU


def mu_to_m2(area_mu: float | npt.ArrayLike) -> float | np.ndarray:
    """Convert 亩 to square metres: ``m2 = mu × 10000 / 15``."""
    return np.asarray(area_mu, dtype="float64") * M2_PER_MU


def ha_to_mu(area_ha: float | npt.ArrayLike) -> float | np.ndarray:
    """Convert 公顷 (hectares) to 亩: ``mu = ha × 15``."""
    return np.asarray(area_ha, dtype="float64") * MU_PER_HA
