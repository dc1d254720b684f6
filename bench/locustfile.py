"""The locust mix of ``make loadtest`` (bench/loadtest.py prepares the accounts and writes the JSON
this file reads from ``LOADTEST_CONFIG``; run it through that script, not on its own).

Three kinds of user on one gunicorn: reviewers working the review queue (the queue page, a filing,
then accept or return it), operators submitting their filings (a refusal by a business rule, e.g.
``checks_failed``, is an answer, not an error), and the public searching (page and API) and
verifying receipts. A failure is a 5xx, a dropped connection, or any status the page never answers
with; business refusals (409/400 with a stable ``code``) are counted by code in ``outcomes``."""

from __future__ import annotations

import json
import os
import random
from collections import Counter

from locust import HttpUser, between, events, task

CONFIG = json.loads(open(os.environ["LOADTEST_CONFIG"]).read())  # noqa: SIM115
FILINGS_TO_REVIEW: list[tuple[int, int]] = [(r, f) for r, reviewer in enumerate(CONFIG["reviewers"])
                                            for f in reviewer["filings"]]
random.Random(1).shuffle(FILINGS_TO_REVIEW)
OUTCOMES: Counter = Counter()


@events.quitting.add_listener
def _write_outcomes(environment, **kwargs):
    with open(CONFIG["outcomes_path"], "w") as out:
        json.dump(dict(OUTCOMES), out, ensure_ascii=False, indent=1)


def _code(response) -> str:
    try:
        return response.json().get("code", "?")
    except Exception:
        return "?"


def _transition(user, path: str, name: str, body: dict, outcome: str) -> None:
    with user.client.post(path, json=body, headers=user.auth, name=name, catch_response=True) as response:
        if response.status_code == 200:
            OUTCOMES[outcome] += 1
            response.success()
        elif response.status_code in (400, 409, 422) and _code(response) != "?":
            OUTCOMES[f"{name}: refused {_code(response)}"] += 1
            response.success()
        else:
            response.failure(f"HTTP {response.status_code}")


class Reviewer(HttpUser):
    weight = 20
    wait_time = between(1, 3)

    def on_start(self):
        self.me = random.randrange(len(CONFIG["reviewers"]))
        self.auth = {"Authorization": f"Token {CONFIG['reviewers'][self.me]['token']}"}
        self.cookie = {"Cookie": CONFIG["reviewers"][self.me]["cookie"]}

    @task(3)
    def queue(self):
        self.client.get("/registry/review/", headers=self.cookie, name="review queue (page)")

    @task(2)
    def review(self):
        if not FILINGS_TO_REVIEW:
            self.client.get("/api/v1/filings/", headers=self.auth, name="API filings")
            return
        owner, filing = FILINGS_TO_REVIEW.pop()
        auth = {"Authorization": f"Token {CONFIG['reviewers'][owner]['token']}"}
        cookie = {"Cookie": CONFIG["reviewers"][owner]["cookie"]}
        self.client.get(f"/registry/review/{filing}/", headers=cookie, name="review page")
        if random.random() < 0.7:
            self._post(f"/api/v1/filings/{filing}/accept/", "accept", {}, "accepted", auth)
        else:
            self._post(f"/api/v1/filings/{filing}/return/", "return", {"reasons": ["材料不全：请补充消防验收材料"]},
                       "returned", auth)

    def _post(self, path, name, body, outcome, auth):
        saved, self.auth = self.auth, auth
        try:
            _transition(self, path, name, body, outcome)
        finally:
            self.auth = saved


class Operator(HttpUser):
    weight = 20
    wait_time = between(1, 3)

    def on_start(self):
        self.account = random.choice(CONFIG["operators"])
        self.auth = {"Authorization": f"Token {self.account['token']}"}

    @task(3)
    def my_filings(self):
        self.client.get("/api/v1/filings/", headers=self.auth, name="API filings (operator)")

    @task(1)
    def submit(self):
        if self.account["filings"]:
            filing = self.account["filings"].pop()
            _transition(self, f"/api/v1/filings/{filing}/submit/", "submit", {}, "submitted")


class Public(HttpUser):
    weight = 60
    wait_time = between(1, 3)

    @task(4)
    def search_api(self):
        lat, lng = random.choice(CONFIG["points"])
        self.client.get(f"/api/v1/public/institutions/?lat={lat}&lng={lng}&radius_km=5", name="public search (API)")

    @task(3)
    def search_page(self):
        lat, lng = random.choice(CONFIG["points"])
        self.client.get(f"/search/?lat={lat}&lng={lng}&radius_km=5", name="public search (page)")

    @task(3)
    def verify(self):
        self.client.get(f"/verify/{random.choice(CONFIG['receipts'])}/", name="verify receipt")
