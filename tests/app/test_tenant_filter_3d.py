"""The Site page's tenant filter narrows the 3D view too: the other tenants' racks are drawn
grey (left out of the colour range), the kept tenant's keep their colours (issue 17)."""

from __future__ import annotations

import numpy as np
from test_tenants_app import hybrid_app  # noqa: F401 - the fixture
from test_viewer import no_errors, shown, viewer_args

from twin.app import tenants as T
from twin.app import warm
from twin.model import Twin
from twin.solve import run
from twin.viz.payload import decode
from twin.viz.scene import DIMMED_RGB


def test_payload_greys_exactly_the_other_tenants_racks(layouts_dir):
    twin = Twin.load(layouts_dir / "hybrid-inference.yaml")
    res = run(twin)
    kept = T.keep(twin, "npu-serving")
    hidden = T.dropped(twin, "npu-serving")
    assert len(kept) == 64 and len(hidden) == len(twin.racks) - 64
    assert not len(T.dropped(twin, T.ALL))
    header, blob = warm.scene_payload(twin, "k", res, "power_kw", dimmed=hidden)
    arr = decode(header, blob)
    grey = np.round(np.array(DIMMED_RGB) * 255).astype(np.uint8)
    ids = np.array(header["ids"], dtype=object)
    is_grey = (arr.rgb == grey).all(axis=1) & (arr.owner >= 0)
    assert set(ids[arr.owner[is_grey]]) == set(hidden)
    # the colour range spans the kept racks only (all 25 kW: padded to 23.75-26.25 kW), not
    # the other tenant's 132 kW racks
    lo, hi = header["clim"]
    kw = twin.racks["power_kw"]
    assert lo <= kw[kept].min() and kw[kept].max() <= hi < kw[hidden].min()
    assert "rack filtered out" in [n for n, _ in header["legend"]]


def test_site_tenant_filter_redraws_the_3d_view(hybrid_app):  # noqa: F811
    at = hybrid_app("site")
    args0, _ = viewer_args(at, "site_scene")  # the whole site (sent on the first run)
    at.selectbox(key="site_tenant").set_value("npu-serving").run()
    no_errors(at)
    args1, sent1 = viewer_args(at, "site_scene")
    assert sent1 and args1["digest"] != args0["digest"]
    assert "rack filtered out" in [n for n, _ in args1["header"]["legend"]]
    assert any(
        "other tenants than npu-serving are drawn grey" in shown(c.value) for c in at.caption
    )
    at.selectbox(key="site_tenant").set_value(T.ALL).run()
    args2, _ = viewer_args(at, "site_scene")
    assert args2["digest"] == args0["digest"]
