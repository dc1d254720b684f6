"""404 and 500 outside any view: the API error shape under /api/, a Chinese page everywhere else.

This module is its own URLconf: the project's routes and error handlers (childcare.urls) plus two
views that fail, so an unhandled exception can be provoked on a page and on an API endpoint.
"""

from __future__ import annotations

import pytest
from django.urls import path
from django_scopes import scopes_disabled
from rest_framework.views import APIView

from childcare.urls import handler404, handler500  # noqa: F401 (Django reads them from the URLconf)
from childcare.urls import urlpatterns as project_urlpatterns
from tests.factories import InstitutionFactory


def broken_page(request):
    raise RuntimeError("boom: page")


class BrokenAPI(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    def get(self, request):
        raise RuntimeError("boom: api")


urlpatterns = [
    path("t/broken/", broken_page),
    path("api/v1/t/broken/", BrokenAPI.as_view()),
    *project_urlpatterns,
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

SITE_TITLE = "托育机构备案与监管平台"


def test_unknown_api_path_answers_the_json_error_shape(client, regions):
    response = client.get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body == {"code": "not_found", "message": body["message"], "fields": {}}
    assert "不存在" in body["message"]


def test_unknown_api_path_with_a_token_user_is_json_too(client, reviewer):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=reviewer)
    response = client.post("/api/v1/filingz/", {}, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_unknown_page_is_a_chinese_page_in_the_site_layout(client, regions):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page and SITE_TITLE in page
    assert "Not Found" not in page and "The requested resource" not in page


def test_another_districts_object_page_is_the_same_chinese_404(client, reviewer, regions):
    with scopes_disabled():
        other = InstitutionFactory(name="拱墅错误页托育园", region_id="330105001")
    client.force_login(reviewer)
    response = client.get(f"/registry/institutions/{other.pk}/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page and "拱墅错误页托育园" not in page
    # Signed in: the layout keeps the navigation, so the user can go on.
    assert "退出" in page


@pytest.fixture
def tolerant_client(client):
    client.raise_request_exception = False
    return client


def test_unhandled_error_on_the_api_answers_server_error_json(tolerant_client, regions):
    response = tolerant_client.get("/api/v1/t/broken/")
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "server_error" and body["fields"] == {}
    assert "服务器内部错误" in body["message"]
    assert "boom" not in response.content.decode()


def test_unhandled_error_on_a_page_is_a_chinese_page(tolerant_client, regions):
    response = tolerant_client.get("/t/broken/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "系统出现错误" in page and SITE_TITLE in page
    assert "Server Error" not in page and "boom" not in page
