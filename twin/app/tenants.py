"""What the app shows about tenants: the per-tenant table (twin.metrics.tenants, the same
numbers as `twin tenants`), a numeric tenant code to colour racks by, and a rack filter.
No physics here: it reads the metrics layer."""

from __future__ import annotations

import pandas as pd

from twin.metrics.tenants import COLUMNS, has_tenants, rack_tenants, tenant_ids, tenant_table
from twin.model import Twin
from twin.solve import Results

SHOWN = [c for c in COLUMNS if c not in ("design_kw", "it_share_pct", "tokens_s_per_mw_facility")]
"""The per-tenant columns a screen and the report show."""

__all__ = ["ALL", "SHOWN", "choices", "dropped", "has_tenants", "keep", "legend", "table"]

ALL = "all tenants"
"""The filter choice that keeps every rack."""


def table(twin: Twin, results: Results, prices=None) -> pd.DataFrame:
    """One row per tenant, the shown columns, index `tenant`."""
    return tenant_table(twin, results, prices)[SHOWN]


def choices(twin: Twin) -> list[str]:
    """Filter options: every rack, then each tenant (`unassigned` last)."""
    return [ALL, *tenant_ids(twin)]


def keep(twin: Twin, choice: str | None) -> pd.Index:
    """Rack ids the filter keeps."""
    if not choice or choice == ALL:
        return twin.racks.index
    t = rack_tenants(twin)
    return t.index[t == choice]


def dropped(twin: Twin, choice: str | None) -> pd.Index:
    """Rack ids the filter hides (none for every tenant): the 3D view draws them grey."""
    if not choice or choice == ALL:
        return twin.racks.index[:0]
    return twin.racks.index.difference(keep(twin, choice), sort=False)


def with_tenant_code(twin: Twin, racks: pd.DataFrame) -> pd.DataFrame:
    """`racks` plus `tenant_code`: 1, 2, ... in `tenant_ids` order (a number the 3D view can
    colour by; `legend` names them)."""
    code = {t: i + 1 for i, t in enumerate(tenant_ids(twin))}
    return racks.assign(tenant_code=rack_tenants(twin).map(code).reindex(racks.index))


def legend(twin: Twin) -> str:
    """'1 = gpu-cloud, 2 = npu-serving' for the tenant colour code."""
    return ", ".join(f"{i + 1} = {t}" for i, t in enumerate(tenant_ids(twin)))
