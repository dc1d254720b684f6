from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.pages import Paginator

from .selectors import notification_list
from .services import notification_mark_read


@login_required
def notification_list_view(request):
    page = Paginator(notification_list(user=request.user), 30).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def notification_read_view(request, pk: int):
    notification = notification_mark_read(user=request.user, notification_id=pk)
    return redirect(notification.link or "notifications:list")
