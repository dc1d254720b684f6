from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .dashboard import home_context
from .health import check_all
from .middleware import SESSION_ASSIGNMENT_KEY

API_PREFIX = "/api/"
NOT_FOUND_MESSAGE = "请求的接口不存在，请检查地址。"
SERVER_ERROR_MESSAGE = "服务器内部错误，请稍后再试；如持续出现，请联系系统管理员。"


@login_required
def home(request):
    """The home page of the active role (registered by the apps in ``core.dashboard``)."""
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


def _api_error(code: str, message: str, status: int) -> JsonResponse:
    """The API error shape (``core.api``) for errors that never reach a DRF view."""
    return JsonResponse({"code": code, "message": message, "fields": {}}, status=status,
                        json_dumps_params={"ensure_ascii": False})


def page_not_found(request, exception):
    """handler404: the API error shape under /api/, the Chinese page (templates/404.html) elsewhere."""
    if request.path_info.startswith(API_PREFIX):
        return _api_error("not_found", NOT_FOUND_MESSAGE, 404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """handler500: as above; the page renders without the request context, so it cannot fail again."""
    if request.path_info.startswith(API_PREFIX):
        return _api_error("server_error", SERVER_ERROR_MESSAGE, 500)
    return defaults.server_error(request)
