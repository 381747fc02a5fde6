"""Inventory in: a NetBox REST export (and devicetype-library YAML) -> a twin layout.

Input, as NetBox's REST API returns it (`GET /api/dcim/<endpoint>/`, each a list or a
page ``{"count", "results": [...]}``), in one JSON file keyed by endpoint or a folder
of ``<endpoint>.json`` files: ``sites``, ``locations``, ``racks``, ``devices``,
``device-types``, ``power-panels``, ``power-feeds`` and, where exported,
``power-ports`` (a device's own ports) and ``power-port-templates`` (a device
type's). Device types may also come from the devicetype-library YAML
(github.com/netbox-community/devicetype-library: ``slug``, ``u_height``,
``power-ports`` with ``maximum_draw``/``allocated_draw`` in W).

Mapping:

- a NetBox site -> a hall (``--hall`` picks sites by slug or name);
- a location -> a row of its site's hall, racks in name order along it (racks
  with no location go to one row per site, `<SITE>-ROW`); rows 2.4 m apart;
- a rack's ``power_kw`` = the sum over its devices of their power ports'
  ``allocated_draw``, or ``maximum_draw`` where no allocation is given
  (the device's own ports first, else its type's templates), W / 1000;
- a power panel -> a PDU (RPP) rated at the available power of its feeds,
  ``voltage x amperage x (sqrt 3 if three-phase) x max_utilization``, as NetBox
  computes ``available_power``; a rack's ``primary`` feed -> ``feed_a``, its
  ``redundant`` feed -> ``feed_b``.

NetBox holds no upstream power chain or cooling; the import adds one utility
connection (``NB-GRID``, 0.415 kV, rated 125 % of the panels) and one CRAC per
hall rated 125 % of the hall's IT [est: N+1-like margin, replace with the real
plant], and says so in the report. Anything that cannot be placed (a rack with
no device draw or no feed, a device with no rack or no known draw, a feed with
no rack or panel) is left out and listed per object id in `Import.unmapped`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from twin.errors import LayoutError, Problem

ENDPOINTS = (
    "sites", "locations", "racks", "devices", "device-types", "power-panels", "power-feeds",
    "power-ports", "power-port-templates",
)  # fmt: skip
ROW_PITCH_M = 2.4
"""Row-to-row distance (one rack depth 1.2 m plus a 1.2 m aisle) [est]."""
MARGIN_M = 1.5
"""Free floor around the rows [est]."""
PLACEHOLDER_MARGIN = 1.25
"""Utility and CRAC rating over what they serve, for the placeholders NetBox has no data for [est]."""
MAX_EXPORT_BYTES = 200_000_000
MAX_SMALLINT = 32767
"""Largest voltage and amperage NetBox stores (Django SmallIntegerField / PositiveSmallIntegerField,
the fields of NetBox's PowerFeed)."""
MAX_DRAW_W = 2147483647
"""Largest maximum_draw / allocated_draw NetBox stores (Django PositiveIntegerField, W)."""
CHOICES = {
    "type": ("primary", "redundant"),
    "supply": ("ac", "dc"),
    "phase": ("single-phase", "three-phase"),
}
"""NetBox's PowerFeed choice values the import reads (PowerFeedTypeChoices, ...SupplyChoices,
...PhaseChoices)."""
REFERENCES = {
    "locations": ("site",),
    "racks": ("site", "location"),
    "devices": ("rack", "device_type"),
    "power-feeds": ("power_panel", "rack"),
    "power-ports": ("device",),
    "power-port-templates": ("device_type",),
}
"""The references the import follows, per endpoint: an id or a nested object with an id."""


@dataclass
class Import:
    """The layout document, and what could not be mapped (one line per object id)."""

    layout: dict[str, Any]
    unmapped: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)  # placeholders the import made up
    rack_w: dict[str, float] = field(default_factory=dict)  # rack id -> summed draw, W


def _items(value: Any, where: str) -> list[dict]:
    if isinstance(value, dict) and "results" in value:
        value = value["results"]
    if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
        raise LayoutError([Problem(where, "", "expected a list of NetBox objects (or a page "
                                   "with 'results')")])  # fmt: skip
    return value


def read_export(path: str | Path) -> dict[str, list[dict]]:
    """Endpoint -> objects from a JSON file keyed by endpoint or a folder of <endpoint>.json."""
    p = Path(path)
    out: dict[str, list[dict]] = {}
    if p.is_dir():
        for name in ENDPOINTS:
            for f in (p / f"{name}.json", p / f"{name.replace('-', '_')}.json"):
                if f.is_file():
                    out[name] = _items(_json(f), str(f))
        if not out:
            raise LayoutError([Problem(str(p), "", f"no NetBox export here; expected files "
                                       f"such as {', '.join(e + '.json' for e in ENDPOINTS[:3])}")])  # fmt: skip
        return out
    doc = _json(p)
    if not isinstance(doc, dict):
        raise LayoutError([Problem(str(p), "", "expected a JSON object keyed by endpoint "
                                   "(sites, racks, devices, ...)")])  # fmt: skip
    for key, value in doc.items():
        name = str(key).replace("_", "-")
        if name in ENDPOINTS:
            out[name] = _items(value, f"{p}: {key}")
    if "racks" not in out:
        raise LayoutError([Problem(str(p), "", "no 'racks' list: nothing to import")])
    return out


def _json(path: Path) -> Any:
    from twin.layout.regular_file import read_regular

    try:
        raw = read_regular(path, MAX_EXPORT_BYTES)
        return json.loads(raw.decode("utf-8-sig"))
    except FileNotFoundError:
        raise LayoutError([Problem(str(path), "", "file not found")]) from None
    except OSError as exc:
        raise LayoutError([Problem(str(path), "", f"cannot read: {exc}")]) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise LayoutError([Problem(str(path), "", f"not JSON ({exc})", line)]) from None


def read_device_types(folder: str | Path) -> list[dict]:
    """devicetype-library YAML files (one device type each) under `folder`; a type whose
    power-ports are not a list of ports with numeric draws is a located error."""
    out = []
    problems: list[Problem] = []
    for f in sorted(Path(folder).rglob("*.y*ml")):
        try:
            doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise LayoutError([Problem(str(f), "", f"not YAML ({exc})")]) from None
        if isinstance(doc, dict) and doc.get("slug"):
            ports = doc.get("power-ports")
            if ports is not None and (
                not isinstance(ports, list) or not all(isinstance(x, dict) for x in ports)
            ):
                problems.append(Problem(str(f), "power-ports", "expected a list of power ports"))
                continue
            for i, port in enumerate(ports or []):
                problems += _draw_problems(port, str(f), f"power-ports[{i}]", None)
            out.append(doc)
    if problems:
        raise LayoutError(problems, what="devicetype-library folder")
    return out


def _is_id(v: Any) -> bool:
    return isinstance(v, int | str) and not isinstance(v, bool)


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _who(obj: dict) -> str | None:
    """'id 3 (A01)': the object a problem is in, as NetBox names it."""
    if not _is_id(obj.get("id")):
        return None
    name = obj.get("name")
    return f"id {obj['id']}" + (f" ({name})" if isinstance(name, str) and name else "")


def _draw_problems(port: dict, source: str, where: str, who: str | None) -> list[Problem]:
    out = []
    for key in ("maximum_draw", "allocated_draw"):
        v = port.get(key)
        if v is not None and not (_number(v) and 0 <= v <= MAX_DRAW_W):
            out.append(Problem(source, f"{where}.{key}", f"{v!r}: a draw in W, a number "
                               f"from 0 to {MAX_DRAW_W} (NetBox's field), or null", component=who))  # fmt: skip
    return out


def check_export(export: dict[str, list[dict]], source: str = "<netbox export>") -> None:
    """Raise LayoutError listing every object whose fields the import reads but cannot use:
    an id missing or not a number/string, a reference that is not an id, a feed's voltage,
    amperage or utilisation not a number in NetBox's range, a choice NetBox does not have,
    a power port's draw not a number. Each problem names `source`, the endpoint and index
    (``power-feeds[3].voltage``) and the object's id and name."""
    problems: list[Problem] = []
    folder = Path(source)

    def file_of(ep: str) -> str:  # a folder export: the endpoint's own file
        if folder.is_dir():
            for f in (folder / f"{ep}.json", folder / f"{ep.replace('-', '_')}.json"):
                if f.is_file():
                    return str(f)
        return source

    def bad(ep: str, i: int, obj: dict, key: str, message: str) -> None:
        problems.append(Problem(file_of(ep), f"{ep}[{i}].{key}", message, component=_who(obj)))

    for ep in ("sites", "locations", "racks", "devices", "device-types", "power-panels",
               "power-feeds"):  # fmt: skip
        for i, obj in enumerate(export.get(ep, [])):
            if not _is_id(obj.get("id")):
                bad(ep, i, obj, "id", f"{obj.get('id')!r}: every NetBox object has an id "
                    "(a number)")  # fmt: skip
    for ep, keys in REFERENCES.items():
        for i, obj in enumerate(export.get(ep, [])):
            for key in keys:
                v = obj.get(key)
                ref = v.get("id") if isinstance(v, dict) else v
                if v is not None and not _is_id(ref):
                    bad(ep, i, obj, key, f"{v!r}: a reference is an id or an object with an "
                        "'id'")  # fmt: skip
    for i, f in enumerate(export.get("power-feeds", [])):
        for key, lo, hi in (("voltage", -MAX_SMALLINT, MAX_SMALLINT),
                            ("amperage", 0, MAX_SMALLINT), ("max_utilization", 1, 100)):  # fmt: skip
            v = f.get(key)
            if v is not None and not (_number(v) and lo <= v <= hi):
                bad("power-feeds", i, f, key, f"{v!r}: a number from {lo} to {hi} (NetBox's "
                    "field), or null")  # fmt: skip
        for key, allowed in CHOICES.items():
            v = _choice(f, key)
            if v is not None and v not in allowed:
                bad("power-feeds", i, f, key, f"{v!r}: one of {', '.join(allowed)}, or null")
    for ep in ("power-ports", "power-port-templates"):
        for i, port in enumerate(export.get(ep, [])):
            problems += _draw_problems(port, file_of(ep), f"{ep}[{i}]", _who(port))
    if problems:
        raise LayoutError(problems, what="NetBox export")


def _ref(obj: dict, key: str) -> Any:
    """The id of a nested reference (``{"id": 3, ...}``), or a plain id."""
    v = obj.get(key)
    return v.get("id") if isinstance(v, dict) else v


def _choice(obj: dict, key: str) -> Any:
    """A NetBox choice field: ``{"value": "primary", "label": ...}`` or the plain value."""
    v = obj.get(key)
    return v.get("value") if isinstance(v, dict) else v


def _draw(ports: list[dict]) -> float | None:
    """Summed W of power ports: allocated_draw, else maximum_draw; None if none gives one."""
    w = [p.get("allocated_draw") or p.get("maximum_draw") for p in ports]
    w = [float(x) for x in w if isinstance(x, int | float) and not isinstance(x, bool) and x > 0]
    return sum(w) if w else None


def _feed_kva(f: dict) -> float:
    """NetBox's available power of a feed, kVA: V x A (x sqrt 3 three-phase) x max_utilization."""
    v, a = float(f.get("voltage") or 0.0), float(f.get("amperage") or 0.0)
    three = _choice(f, "phase") == "three-phase"
    util = float(f.get("max_utilization") or 80.0) / 100.0  # NetBox's default 80 %
    return abs(v) * a * (math.sqrt(3) if three else 1.0) * util / 1000.0


def _slugify(text: str) -> str:
    s = "".join(c if c.isalnum() or c in "-_." else "-" for c in str(text).strip())
    return s.strip("-") or "X"


def to_layout(
    export: dict[str, list[dict]],
    library: list[dict] | None = None,
    halls: list[str] | None = None,
    name: str = "NetBox import",
    source: str = "<netbox export>",
) -> Import:
    """Map `export` (see `read_export`) and devicetype-library types into a layout document.

    The fields it reads are checked first (`check_export`; errors name `source`)."""
    check_export(export, source)
    unmapped: list[str] = []
    sites = {s["id"]: s for s in export.get("sites", [])}
    locs = {x["id"]: x for x in export.get("locations", [])}
    types = {t["id"]: t for t in export.get("device-types", [])}
    lib = {t["slug"]: t for t in (library or [])}
    own_ports: dict[Any, list[dict]] = {}
    for p in export.get("power-ports", []):
        own_ports.setdefault(_ref(p, "device"), []).append(p)
    tmpl: dict[Any, list[dict]] = {}
    for p in export.get("power-port-templates", []):
        tmpl.setdefault(_ref(p, "device_type"), []).append(p)

    def site_key(site_id) -> str:
        s = sites.get(site_id, {})
        return s.get("slug") or s.get("name") or f"site-{site_id}"

    wanted = None if not halls else {h.lower() for h in halls}

    def keep(site_id) -> bool:
        if wanted is None:
            return True
        s = sites.get(site_id, {})
        return bool({str(s.get("slug", "")).lower(), str(s.get("name", "")).lower()} & wanted)

    # device draw -> rack
    rack_w: dict[Any, float] = {}
    for d in export.get("devices", []):
        did, rid = d.get("id"), _ref(d, "rack")
        if rid is None:
            unmapped.append(f"device {did} ({d.get('name')}): in no rack")
            continue
        dt = d.get("device_type") if isinstance(d.get("device_type"), dict) else {}
        tid = dt.get("id", d.get("device_type"))
        slug = dt.get("slug") or types.get(tid, {}).get("slug")
        w = _draw(own_ports.get(did, []))
        if w is None:
            w = _draw(tmpl.get(tid, []))
        if w is None and slug in lib:
            w = _draw(lib[slug].get("power-ports") or [])
        if w is None:
            unmapped.append(
                f"device {did} ({d.get('name')}): no maximum_draw/allocated_draw on its power "
                f"ports or its device type {slug or tid!r}"
            )
            continue
        rack_w[rid] = rack_w.get(rid, 0.0) + w

    # feeds -> panels and racks
    panels = {p["id"]: p for p in export.get("power-panels", [])}
    panel_kva: dict[Any, float] = {}
    rack_feeds: dict[Any, dict[str, Any]] = {}
    for f in export.get("power-feeds", []):
        fid, pid, rid = f.get("id"), _ref(f, "power_panel"), _ref(f, "rack")
        if pid not in panels:
            unmapped.append(f"power-feed {fid} ({f.get('name')}): its power panel {pid} is not in "
                            "the export")  # fmt: skip
            continue
        if _choice(f, "supply") == "dc":
            unmapped.append(f"power-feed {fid} ({f.get('name')}): DC supply; the import maps "
                            "AC feeds only")  # fmt: skip
            continue
        panel_kva[pid] = panel_kva.get(pid, 0.0) + _feed_kva(f)
        if rid is None:
            unmapped.append(f"power-feed {fid} ({f.get('name')}): assigned to no rack "
                            "(counted in its panel's rating only)")  # fmt: skip
            continue
        side = "b" if _choice(f, "type") == "redundant" else "a"
        slots = rack_feeds.setdefault(rid, {})
        if side in slots:
            unmapped.append(f"power-feed {fid} ({f.get('name')}): rack {rid} already has a "
                            f"{'redundant' if side == 'b' else 'primary'} feed; one per side")  # fmt: skip
            continue
        slots[side] = pid

    def pdu_id(pid) -> str:
        return "PP-" + _slugify(panels[pid].get("name") or pid)

    # racks -> halls and rows
    halls_out: dict[str, dict] = {}
    racks_by_row: dict[tuple[str, str], list[dict]] = {}
    out_w: dict[str, float] = {}
    used_panels: set = set()
    # ids the layout gives other things: a rack named like one of them gets its NetBox id
    other_ids = {"NB-GRID", *(pdu_id(p) for p in panels)}
    for sid in sites:
        hall = _slugify(site_key(sid)).upper()
        other_ids |= {hall, f"{hall}-ROW", f"{hall}-CRAC"}
    other_ids |= {_slugify(x.get("slug") or x.get("name")) for x in locs.values()}
    for r in sorted(export.get("racks", []), key=lambda r: str(r.get("name"))):
        rid, sid = r.get("id"), _ref(r, "site")
        if not keep(sid):
            continue
        w = rack_w.get(rid)
        feeds = rack_feeds.get(rid, {})
        if not w:
            unmapped.append(f"rack {rid} ({r.get('name')}): no device with a power draw")
            continue
        if "a" not in feeds:
            if "b" in feeds:
                feeds = {"a": feeds["b"]}
            else:
                unmapped.append(f"rack {rid} ({r.get('name')}): no power feed; without one the "
                                "twin cannot tell what supplies it")  # fmt: skip
                continue
        hall = _slugify(site_key(sid)).upper()
        lid = _ref(r, "location")
        row = (
            _slugify(locs[lid].get("slug") or locs[lid].get("name"))
            if lid in locs
            else f"{hall}-ROW"  # racks with no location: one row per site
        )
        rack_id = _slugify(r.get("name") or rid)
        if rack_id in out_w or rack_id in other_ids:
            rack_id = f"{rack_id}-{rid}"
        out_w[rack_id] = w
        entry = {"id": rack_id, "row": row, "slot": 0, "power_kw": round(w / 1000.0, 6),
                 "feed_a": pdu_id(feeds["a"])}  # fmt: skip
        if "b" in feeds and feeds["b"] != feeds["a"]:
            entry["feed_b"] = pdu_id(feeds["b"])
        used_panels.update(feeds.values())
        racks_by_row.setdefault((hall, row), []).append(entry)
        halls_out.setdefault(hall, {"id": hall, "name": sites.get(sid, {}).get("name", hall)})
    if not racks_by_row:
        raise LayoutError([Problem("<netbox export>", "racks", "no rack could be imported:\n    "
                                   + "\n    ".join(unmapped[:20]))])  # fmt: skip

    hall_list = []
    for hall, h in halls_out.items():
        rows = [(row, rs) for (hh, row), rs in racks_by_row.items() if hh == hall]
        h_rows, h_racks = [], []
        for i, (row, rs) in enumerate(rows):
            h_rows.append({"id": row, "origin_m": [MARGIN_M, MARGIN_M + i * ROW_PITCH_M]})
            for k, entry in enumerate(rs):
                entry["slot"] = k
                h_racks.append(entry)
        longest = max(len(rs) for _, rs in rows)
        h["size_m"] = [round(2 * MARGIN_M + 0.6 * longest, 3),
                       round(2 * MARGIN_M + ROW_PITCH_M * len(rows), 3)]  # fmt: skip
        h["rows"], h["racks"] = h_rows, h_racks
        hall_list.append(h)

    added = []
    pdus = []
    for pid in sorted(used_panels, key=str):
        kva = panel_kva.get(pid, 0.0)
        if kva <= 0:
            need = sum(e["power_kw"] for rs in racks_by_row.values() for e in rs
                       if pdu_id(pid) in (e["feed_a"], e.get("feed_b")))  # fmt: skip
            kva = need * PLACEHOLDER_MARGIN
            added.append(f"{pdu_id(pid)}: power panel {pid}'s feeds give no voltage/amperage; "
                         f"rated {kva:,.1f} kVA (125 % of its racks)")  # fmt: skip
        pdus.append({"id": pdu_id(pid), "upstream": "NB-GRID", "rating_kva": round(kva, 3)})
    total_kva = sum(p["rating_kva"] for p in pdus)
    grid_mva = max(total_kva * PLACEHOLDER_MARGIN / 1000.0, 0.01)
    added.append(f"NB-GRID: utility connection at 0.415 kV, {grid_mva:,.3f} MVA (125 % of the "
                 "panels): NetBox has no upstream chain")  # fmt: skip
    crahs = []
    for h in hall_list:
        it = sum(r["power_kw"] for r in h["racks"])
        cap = round(it * PLACEHOLDER_MARGIN, 3)
        crahs.append({"id": f"{h['id']}-CRAC", "hall": h["id"], "type": "crac",
                      "capacity_kw": cap, "airflow_m3_s": round(max(cap * 0.066, 0.1), 3),
                      "fan_kw": round(max(cap * 0.02, 0.1), 3)})  # fmt: skip
        added.append(f"{h['id']}-CRAC: one CRAC of {cap:,.1f} kW (125 % of the hall's IT); "
                     "NetBox has no cooling")  # fmt: skip
    layout = {
        "format_version": 1,
        "site": {"name": name, "grid_mw": round(grid_mva, 6)},
        "halls": hall_list,
        "power": {
            "utilities": [
                {"id": "NB-GRID", "voltage_kv": 0.415, "capacity_mva": round(grid_mva, 6)}
            ],
            "pdus": pdus,
        },
        "cooling": {"crahs": crahs},
    }
    return Import(layout, unmapped, added, out_w)
