"""The review queue's rows written in Python (``registry.templatetags.review_queue``) are the markup the
template loop wrote, byte for byte: names escaped, both deadlines and their overdue marks, local dates,
the link for a reviewer and for a read-only viewer, and the empty queue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import resolve, reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from registry.models import FilingStatus, InstitutionStatus
from registry.selectors.filings import filing_deadlines, review_queue, review_queue_page_rows, with_deadlines
from registry.templatetags.review_queue import review_queue_rows
from tests.factories import FilingFactory, InstitutionFactory

pytestmark = pytest.mark.django_db

# The loop the tag replaced (templates/registry/review/_queue_results.html before it), kept here as the reference.
REFERENCE = Template("""{% for f in page %}
  <tr class="{% if f.is_overdue %}table-overdue{% endif %}" data-testid="queue-row">
    <td>{{ f.name }}</td><td>{{ f.get_kind_display }}</td><td>{{ f.get_institution_kind_display }}</td><td>{{ f.region.name }}</td>
    <td>{{ f.get_status_display }}</td><td>{{ f.submitted_at|date:"Y-m-d H:i" }}</td>
    <td data-testid="due-at"{% if f.deadlines.review_overdue %} class="text-danger fw-bold"{% endif %}>{{ f.due_at|date:"Y-m-d" }}{% if f.deadlines.review_overdue %} <span class="badge bg-danger" data-testid="review-overdue">回执超期</span>{% endif %}</td>
    <td data-testid="notice-due-at"{% if f.deadlines.notice_overdue %} class="text-danger fw-bold"{% endif %}>{{ f.notice_due_at|date:"Y-m-d" }}{% if f.deadlines.notice_overdue %} <span class="badge bg-danger" data-testid="notice-overdue">告知超期</span>{% endif %}</td>
    <td>{% if can_review %}<a class="btn btn-sm btn-primary" href="{% url 'registry:review_detail' f.pk %}">审核</a>{% else %}<a href="{% url 'registry:review_detail' f.pk %}">查看</a>{% endif %}</td>
  </tr>
  {% empty %}<tr><td colspan="9" class="text-muted text-center py-3">暂无待审核备案</td></tr>{% endfor %}""")


def _page():
    """The queue's filings twice: as the model instances the template loop read (the reference) and as the
    value rows the tag writes (``review_queue_page_rows`` with ``with_deadlines``, as the view makes them)."""
    now = timezone.now()
    with scopes_disabled():
        filings = list(review_queue(filters={}).select_related("region"))
        rows = list(review_queue_page_rows(review_queue(filters={})))
    for f in filings:
        f.deadlines = filing_deadlines(f, now)
        f.is_overdue = f.deadlines["review_overdue"] or f.deadlines["notice_overdue"]
    with_deadlines(rows, now)
    assert [r["id"] for r in rows] == [f.pk for f in filings]
    return filings, rows


def _request():
    request = RequestFactory().get(reverse("registry:review_queue"))
    request.resolver_match = resolve(request.path_info)
    return request


def _both(page, can_review: bool) -> tuple[str, str]:
    filings, rows = page
    request = _request()
    expected = REFERENCE.render(Context({"page": filings, "can_review": can_review, "request": request}))
    written = review_queue_rows(Context({"request": request}), rows, can_review)
    return str(written), expected


def test_rows_are_the_template_loops_markup(regions):
    # 23:40 UTC is the next day in Beijing: the dates are local, as the template's were.
    late_evening = dt.datetime(2026, 3, 4, 23, 40, tzinfo=dt.UTC)
    now = timezone.now()
    with scopes_disabled():
        cases = [
            ("西湖区<b>\"小星星\"</b> & 'Co' 托育园", "initial", FilingStatus.SUBMITTED, 3, 12),   # in time
            ("西湖区回执超期托育园", "change", FilingStatus.RESUBMITTED, -1, 9),                   # receipt late
            ("西湖区双超期托育园", "termination", FilingStatus.SUBMITTED, -12, -1),                # both late
            ("西湖区告知超期托育园", "initial", FilingStatus.SUBMITTED, 2, -3),                    # notice late only
        ]
        for i, (name, kind, status, due, notice) in enumerate(cases):
            inst = InstitutionFactory(name=name, status=InstitutionStatus.FILING,
                                      region_id="330106001" if i % 2 else "330106002")
            FilingFactory(institution=inst, kind=kind, status=status, name=name, submitted_at=late_evening,
                          due_at=now + dt.timedelta(days=due), notice_due_at=now + dt.timedelta(days=notice))
        # A filing without a notice deadline (an older one): the cell stays empty.
        inst = InstitutionFactory(name="西湖区无告知期限托育园", status=InstitutionStatus.FILING)
        FilingFactory(institution=inst, status=FilingStatus.SUBMITTED, submitted_at=late_evening,
                      due_at=now + dt.timedelta(days=5), notice_due_at=None)
    page = _page()
    assert len(page[1]) == 5
    for can_review in (True, False):
        written, expected = _both(page, can_review)
        assert written == expected
    written, _ = _both(page, True)
    assert "&lt;b&gt;&quot;小星星&quot;&lt;/b&gt; &amp; &#x27;Co&#x27;" in written and "<b>" not in written
    assert "2026-03-05 07:40" in written
    assert written.count('data-testid="review-overdue"') == 2 and written.count('data-testid="notice-overdue"') == 2
    assert written.count('class="table-overdue"') == 3


def test_empty_queue_is_the_empty_row(regions):
    written, expected = _both(([], []), True)
    assert written == expected and "暂无待审核备案" in written
