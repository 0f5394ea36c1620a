"""The public quarterly transparency report: no sign-in, aggregates only."""

from django.http import Http404
from django.shortcuts import render

from ..transparency import Quarter, last_complete_quarter, transparency


def transparency_page(request, quarter: str = ""):
    latest = last_complete_quarter()
    try:
        chosen = Quarter.parse(quarter) if quarter else latest
    except ValueError:
        return render(request, "reporting/transparency_bad_quarter.html", {"latest": latest}, status=400)
    if (chosen.year, chosen.number) > (latest.year, latest.number):
        raise Http404  # figures are published once a quarter has ended
    context = {
        "figures": transparency(chosen),
        "previous": chosen.previous(),
        "next": chosen.next() if chosen != latest else None,
    }
    return render(request, "reporting/transparency.html", context)
