"""`twin import-netbox EXPORT -o layout.yaml`: racks, devices and power feeds from NetBox.

EXPORT is a NetBox REST export (one JSON file keyed by endpoint, or a folder of
<endpoint>.json files); `--device-types DIR` adds devicetype-library YAML for
device types whose power ports the export lacks; `--hall SLUG` imports only those
sites. The layout is validated before it is written; what could not be mapped is
listed per object id (`twin.interop.netbox`), and so are the placeholders the
import added (utility connection, CRACs) that NetBox has no data for.
"""

from __future__ import annotations

from twin.cli.common import check_output_file, dumps
from twin.errors import count


def register(sub) -> None:
    p = sub.add_parser("import-netbox", help="a layout from a NetBox export (racks, power)")
    p.add_argument("export", metavar="EXPORT", help="NetBox REST export: .json file or folder")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="layout to write (.yaml)")
    p.add_argument(
        "--hall",
        action="append",
        default=[],
        metavar="SITE",
        help="import only this NetBox site (slug or name) as a hall; repeatable",
    )
    p.add_argument(
        "--device-types", metavar="DIR", help="devicetype-library YAML folder (power-ports)"
    )
    p.add_argument("--name", default="NetBox import", help="site name in the layout")
    p.add_argument("--json", action="store_true", help="the report as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    import yaml

    from twin.errors import LayoutError, Problem
    from twin.interop.netbox import read_device_types, read_export, to_layout
    from twin.layout import loads

    check_output_file(args.output, "-o", (".yaml", ".yml"))
    export = read_export(args.export)
    library = read_device_types(args.device_types) if args.device_types else None
    imp = to_layout(export, library, args.hall or None, args.name, source=args.export)
    text = yaml.safe_dump(imp.layout, sort_keys=False)
    try:
        layout = loads(text, args.output)  # validated before anything is written
    except LayoutError as exc:  # name the export: the output's lines were never written
        where = f"{args.export} (imported; {args.output} not written)"
        raise LayoutError(
            [Problem(where, p.path, p.message, None, p.component) for p in exc.problems],
            what="imported layout",
        ) from None
    with open(args.output, "w", encoding="utf-8") as f:
        f.write("# Imported from a NetBox export by `twin import-netbox`; see the report for\n")
        f.write("# placeholders (utility, CRACs) and objects that could not be mapped.\n")
        f.write(text)
    n_racks = sum(len(h.racks) for h in layout.halls)
    if args.json:
        print(dumps({"output": args.output, "racks": n_racks,
                     "it_kw": sum(r.power_kw for h in layout.halls for r in h.racks),
                     "unmapped": imp.unmapped, "added": imp.added}))  # fmt: skip
        return 0
    it_kw = sum(r.power_kw for h in layout.halls for r in h.racks)
    print(
        f"wrote {args.output}: {count(len(layout.halls), 'hall')}, {count(n_racks, 'rack')}, {it_kw:,.1f} kW IT"
    )
    print(f"  added (NetBox has no data for them): {len(imp.added)}")
    for line in imp.added:
        print(f"    {line}")
    print(f"  not mapped: {len(imp.unmapped)}" + ("" if imp.unmapped else " (none)"))
    for line in imp.unmapped:
        print(f"    {line}")
    return 0
