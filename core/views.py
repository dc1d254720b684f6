from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .dashboard import home_context
from .health import check_all
from .middleware import SESSION_ASSIGNMENT_KEY
from .validators import parse_row_id

API_PREFIX = "/api/"
NOT_FOUND_MESSAGE = "请求的接口不存在，请检查地址。"
BAD_REQUEST_MESSAGE = "请求无法处理：地址、参数或内容格式有误。"
TOO_LARGE_MESSAGE = "请求内容过大或字段过多，已拒绝处理。"
FORBIDDEN_MESSAGE = "您没有执行该操作的权限。"
SERVER_ERROR_MESSAGE = "服务器内部错误，请稍后再试；如持续出现，请联系系统管理员。"
DATABASE_UNAVAILABLE_MESSAGE = "数据库暂时不可用（正在重启或维护），您的操作未保存。请稍后重试。"
DATABASE_RETRY_AFTER_SECONDS = 30


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
    wanted = parse_row_id(request.POST.get("assignment"))
    if wanted is None or not any(a.pk == wanted for a in request.user.active_assignments):
        raise Http404
    request.session[SESSION_ASSIGNMENT_KEY] = wanted
    return redirect("core:home")


def _api_error(code: str, message: str, status: int) -> JsonResponse:
    """The API error shape (``core.api``) for errors that never reach a DRF view."""
    return JsonResponse({"code": code, "message": message, "fields": {}}, status=status,
                        json_dumps_params={"ensure_ascii": False})


def _too_large(exception) -> bool:
    return isinstance(exception, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent)


def bad_request(request, exception=None):
    """handler400 (malformed or oversized requests, ``SuspiciousOperation``): JSON under /api/
    (413 ``request_too_large`` for a body over the limits), the Chinese page elsewhere."""
    too_large = _too_large(exception)
    message = TOO_LARGE_MESSAGE if too_large else BAD_REQUEST_MESSAGE
    status = 413 if too_large else 400
    if request.path_info.startswith(API_PREFIX):
        return _api_error("request_too_large" if too_large else "bad_request", message, status)
    return render(request, "400.html", {"message": message}, status=status)


def permission_denied(request, exception=None):
    """handler403 for pages (the API answers its own 403s): JSON under /api/, the Chinese page elsewhere."""
    if request.path_info.startswith(API_PREFIX):
        return _api_error("permission_denied", FORBIDDEN_MESSAGE, 403)
    message = str(exception) if exception is not None and str(exception) else None
    return render(request, "403.html", {"message": message}, status=403)


def page_not_found(request, exception):
    """handler404: the API error shape under /api/, the Chinese page (templates/404.html) elsewhere."""
    if request.path_info.startswith(API_PREFIX):
        return _api_error("not_found", NOT_FOUND_MESSAGE, 404)
    return defaults.page_not_found(request, exception)


def _database_down() -> bool:
    """The exception being handled is the database going away (a restart, a failover, a network cut):
    the request's transaction was rolled back by PostgreSQL, nothing of it is stored."""
    import sys

    from django.db import InterfaceError, OperationalError

    return isinstance(sys.exc_info()[1], OperationalError | InterfaceError)


def server_error(request):
    """handler500: as above; the page renders without the request context, so it cannot fail again.
    The database unavailable is a 503 that says so (``database_unavailable``, Retry-After)."""
    if _database_down():
        if request.path_info.startswith(API_PREFIX):
            response = _api_error("database_unavailable", DATABASE_UNAVAILABLE_MESSAGE, 503)
        else:
            from django.template import loader

            response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        return response
    if request.path_info.startswith(API_PREFIX):
        return _api_error("server_error", SERVER_ERROR_MESSAGE, 500)
    return defaults.server_error(request)
