"""Which tenants a failure or a cap hits: IT lost per tenant, for N-1 rows and timelines.

A tenant is hit when racks of its lose IT (unfed, tripped, shed or capped: whatever
the caller counts as lost). Tenants are the racks table's `tenant` column
(`twin.metrics.tenants.rack_tenants`; racks with none count as `unassigned`).

`hit(twin, lost_kw)` turns a (cases x racks) matrix of kW lost into the two
columns the result tables carry: `tenants_hit` (the hit tenants' ids, sorted,
comma-joined; "" when none) and `it_lost_by_tenant` (a dict tenant -> kW lost,
hit tenants only, for Python callers).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from twin.metrics.tenants import rack_tenants, tenant_ids

HIT_KW = 1e-9
"""IT lost below this (kW) is rounding, not a hit [est: the solvers' kW noise]."""


def tenant_matrix(twin) -> tuple[list[str], sp.csr_matrix]:
    """Tenant ids and the (racks x tenants) 0/1 membership matrix."""
    names = tenant_ids(twin)
    col = pd.Series(np.arange(len(names)), index=names)[rack_tenants(twin)].to_numpy()
    n = len(col)
    return names, sp.csr_matrix((np.ones(n), (np.arange(n), col)), shape=(n, len(names)))


def hit(twin, lost_kw) -> tuple[list[str], list[dict[str, float]]]:
    """Per case (row of `lost_kw`, cases x racks, dense or sparse, kW lost per rack):
    the comma-joined ids of the tenants hit and their kW lost."""
    names, member = tenant_matrix(twin)
    per = lost_kw @ member
    per = per.toarray() if sp.issparse(per) else np.atleast_2d(np.asarray(per, dtype=float))
    ids, kw = [], []
    for row in per:
        on = np.flatnonzero(row > HIT_KW)
        ids.append(",".join(names[j] for j in on))
        kw.append({names[j]: float(row[j]) for j in on})
    return ids, kw


def frame(table: pd.DataFrame, column: str = "it_lost_by_tenant") -> pd.DataFrame:
    """A result table's per-tenant dicts as a (rows x tenants) kW table, 0 where not hit."""
    return pd.DataFrame(list(table[column]), index=table.index).fillna(0.0)


def text(by_tenant: dict[str, float]) -> str:
    """'a: 12.0 kW; b: 3.5 kW' for a screen or a CSV cell."""
    return "; ".join(f"{t}: {kw:.1f} kW" for t, kw in by_tenant.items())
