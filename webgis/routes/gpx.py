"""A saved plan as GPX 1.1 (stops as waypoints, each day a track) for phones and GPS units."""
from lxml import etree

GPX_NS = "http://www.topografix.com/GPX/1/1"


def plan_gpx(detail: dict) -> bytes:
    """Return the GPX 1.1 document of a plan (as returned by services.plan_detail)."""
    def sub(parent, tag, text=None, **attrs):
        el = etree.SubElement(parent, f"{{{GPX_NS}}}{tag}", **attrs)
        if text is not None:
            el.text = str(text)
        return el

    root = etree.Element(f"{{{GPX_NS}}}gpx", nsmap={None: GPX_NS}, version="1.1", creator="GridCheck 网格核查")
    meta = sub(root, "metadata")
    sub(meta, "name", detail.get("title") or "走访路线")
    sub(meta, "desc", f"{len(detail['days'])}天，{detail['stops']}个停靠点，步行{detail['distance_m']}米")
    start = detail["start"]
    wpt = sub(root, "wpt", lat=f"{start['lat']:.7f}", lon=f"{start['lon']:.7f}")
    sub(wpt, "name", "起点")
    sub(wpt, "desc", start["label"])
    for d in detail["days"]:
        for s in d["stops"]:
            w = sub(root, "wpt", lat=f"{s['lat']:.7f}", lon=f"{s['lon']:.7f}")
            sub(w, "name", f"第{d['day']}天-{s['seq']:02d}")
            missing = "；".join(f"{m['label']}{m['households']}户" for m in s.get("missing") or [])
            sub(w, "desc", f"{s['address']}；待走访{s['households']}户" + (f"（{missing}）" if missing else ""))
    for d in detail["days"]:
        trk = sub(root, "trk")
        sub(trk, "name", f"第{d['day']}天 {d['distance_m']}米")
        for line in d["line"]["coordinates"]:
            seg = sub(trk, "trkseg")
            for lon, lat in line:
                sub(seg, "trkpt", lat=f"{lat:.7f}", lon=f"{lon:.7f}")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
