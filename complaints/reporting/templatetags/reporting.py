"""Charts drawn on the server as inline SVG (no script, no inline style: the CSP allows
neither): horizontal bars scaled to the largest value, coloured by class from reporting.css."""

from django import template

register = template.Library()

ROW_HEIGHT = 22
LABEL_WIDTH = 38  # per cent of the chart's width
BAR_SPACE = 50


@register.inclusion_tag("reporting/_bars.html")
def bar_chart(rows, caption="", kind="count"):
    """rows: (label, value) pairs; a None value (withheld or unknown) draws no bar."""
    rows = list(rows)
    largest = max((value for _label, value in rows if value), default=0)
    bars = []
    for index, (label, value) in enumerate(rows):
        share = (value / largest) if largest and value else 0
        bars.append({
            "label": label, "value": value, "y": index * ROW_HEIGHT,
            "width": f"{share * BAR_SPACE:.2f}%", "text_x": f"{LABEL_WIDTH + share * BAR_SPACE + 1:.2f}%",
        })  # fmt: skip
    return {
        "bars": bars, "caption": caption, "kind": kind, "height": max(len(rows), 1) * ROW_HEIGHT,
        "bar_x": f"{LABEL_WIDTH}%", "row_height": ROW_HEIGHT - 6,
    }


@register.filter
def duration(seconds):
    """Seconds as hours below two days, else days: 5.3 h, 12.4 d."""
    if seconds is None:
        return "—"
    hours = float(seconds) / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} d"


@register.filter
def percent(share):
    return "—" if share is None else f"{share * 100:.1f}%"
