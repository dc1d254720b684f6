"""Complaint and incident cards on the home pages (``core.dashboard.register_home_stats``; the
kernel counts the declared querysets with the page's other cards, in one statement)."""

from __future__ import annotations

from django.urls import reverse

from .selectors.complaints import complaint_count_querysets, incident_count_querysets


def complaint_counts(request) -> dict:
    return complaint_count_querysets()


def complaint_cards(request, counts) -> list[dict]:
    """Open and overdue complaints in the scope (the commission's home)."""
    link = reverse("supervision:complaint_queue")
    return [{"key": "complaints_open", "label": "待办投诉举报", "value": counts["open"], "link": link},
            {"key": "complaints_overdue", "label": "超期未办结投诉", "value": counts["overdue"],
             "link": f"{link}?overdue=true"}]


def incident_counts(request) -> dict:
    return incident_count_querysets()


def incident_cards(request, counts) -> list[dict]:
    """Open incidents (and, for the commission, suspected abuse awaiting its blacklist review)."""
    link = reverse("supervision:incident_list")
    return [{"key": "incidents_open", "label": "未结案突发事件", "value": counts["open"], "link": link},
            {"key": "incidents_blacklist_review", "label": "待从业禁止审查的疑似虐童事件", "value": counts["review"],
             "link": f"{link}?review=pending"}]


def operator_incident_counts(request) -> dict:
    return {"open": incident_count_querysets()["open"]}


def operator_incident_cards(request, counts) -> list[dict]:
    return [{"key": "incidents_open", "label": "未结案的突发事件", "value": counts["open"],
             "link": reverse("supervision:incident_list")}]
