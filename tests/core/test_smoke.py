import pytest


@pytest.mark.django_db
def test_login_page_is_chinese(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "登录" in body and 'lang="zh-Hans"' in body


@pytest.mark.django_db
def test_reviewer_home_shows_district(login, reviewer):
    response = login(reviewer).get("/")
    assert response.status_code == 200
    assert "西湖区" in response.content.decode()
