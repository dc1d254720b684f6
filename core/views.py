from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .health import check_all
from .middleware import SESSION_ASSIGNMENT_KEY


@login_required
def home(request):
    """The home page of the active role: real figures of the actor's scope."""
    from .dashboard import home_context

    context = home_context(request)
    return render(request, context.pop("template"), context)


@never_cache
def healthz(request):
    report = check_all()
    return JsonResponse(report, status=200 if report["ok"] else 503)


@login_required
@require_POST
def switch_assignment(request):
    wanted = request.POST.get("assignment")
    if not wanted or not wanted.isdigit() or not any(a.pk == int(wanted) for a in request.user.active_assignments):
        raise Http404
    request.session[SESSION_ASSIGNMENT_KEY] = int(wanted)
    return redirect("core:home")
