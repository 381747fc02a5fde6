"""Room air-management indices per hall: SHI/RHI, Herrlin's RCI_HI/RCI_LO and RTI.

- RCI (Herrlin, "Rack Cooling Effectiveness in Data Centers and Telecom Central
  Offices: The Rack Cooling Index (RCI)", ASHRAE Trans. 111(2), 2005; REFERENCE 1):
  ``RCI_HI = [1 - sum_x max(T_x - T_max,rec, 0) / (n (T_max,all - T_max,rec))] x 100 %``
  and ``RCI_LO = [1 - sum_x max(T_min,rec - T_x, 0) / (n (T_min,rec - T_min,all))] x 100 %``,
  over the n intakes x, with the recommended and allowable limits of the hall's
  ASHRAE class (A1: 27/32 C high, 18/15 C low). 100 % means no intake outside the
  recommended range; >= 96 % good, < 90 % poor; it falls below 0 % when intakes are
  far past the allowable. Each rack is one intake at its area-mean inlet ``T_x``
  (Herrlin's T_x is the mean temperature at an equipment intake; a rack's servers
  are stacked intakes whose mean is the rack's area mean). The class checks of
  single racks read the top of the rack instead (`twin.solve.airflow`).
- RTI (Herrlin, "Airflow and Cooling Performance of Data Centers: Two Performance
  Metrics", ASHRAE Trans. 114(2), 2008): ``RTI = (T_return - T_supply) / dT_equip x 100 %``
  with dT_equip the racks' airflow-weighted temperature rise. 100 % is balanced;
  below, cold air bypasses the racks; above, hot air recirculates.
- SHI (Sharma, Bash and Patel, AIAA 2002-3091): the share of the inlet rise in the
  racks' total rise; RHI = 1 - SHI.

Racks with no air heat (switched off, fully liquid) are not intakes.
"""

from __future__ import annotations

import numpy as np

from twin.solve.arrays import safe_div


def hall_indices(
    hall: np.ndarray,
    n_halls: int,
    t_in: np.ndarray,
    t_out: np.ndarray,
    t_sup_h: np.ndarray,
    t_ret_h: np.ndarray,
    limits_h: np.ndarray,
    hot: np.ndarray,
    k_kw_k: np.ndarray,
) -> dict[str, np.ndarray]:
    """Indices per hall (arrays of `n_halls`; NaN for a hall with no intake).

    `hall`: hall number per rack; `t_in`: area-mean inlet; `t_out`: outlet;
    `limits_h` (n_halls x 4): recommended min/max, allowable min/max of each hall's
    class; `hot`: racks with air heat; `k_kw_k`: each rack's airflow heat capacity rate.
    """
    h = np.asarray(hall, np.int64)
    hot = np.asarray(hot, bool)
    n_h = np.bincount(h, hot, n_halls)
    lim = limits_h[h]
    over_hi = np.bincount(h, np.where(hot, np.maximum(t_in - lim[:, 1], 0.0), 0.0), n_halls)
    under_lo = np.bincount(h, np.where(hot, np.maximum(lim[:, 0] - t_in, 0.0), 0.0), n_halls)
    rci_hi = 100.0 * (1.0 - safe_div(over_hi, n_h * (limits_h[:, 3] - limits_h[:, 1])))
    rci_lo = 100.0 * (1.0 - safe_div(under_lo, n_h * (limits_h[:, 0] - limits_h[:, 2])))
    ts = t_sup_h[h]
    num = np.bincount(h, np.where(hot, t_in - ts, 0.0), n_halls)
    den = np.bincount(h, np.where(hot, t_out - ts, 0.0), n_halls)
    shi = np.where(den > 0, safe_div(num, den), np.nan)
    k = np.asarray(k_kw_k, float)
    # airflow-weighted rack rise: sum K (T_out - T_in) / sum K = rack air heat / sum K
    dt_equip = safe_div(
        np.bincount(h, np.where(hot, k * (t_out - t_in), 0.0), n_halls),
        np.bincount(h, np.where(hot, k, 0.0), n_halls),
    )
    has = n_h > 0
    return {
        "shi": shi,
        "rhi": 1.0 - shi,
        "rci_hi_pct": np.where(has, rci_hi, np.nan),
        "rci_lo_pct": np.where(has, rci_lo, np.nan),
        "rti_pct": np.where(
            has & (dt_equip > 0), 100.0 * safe_div(t_ret_h - t_sup_h, dt_equip), np.nan
        ),
    }
