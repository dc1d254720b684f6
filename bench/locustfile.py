"""The locust mix of ``make loadtest`` (bench/loadtest.py prepares the accounts and the acceptable
review pool and writes the JSON this file reads from ``LOADTEST_CONFIG``; run it through that
script, not on its own).

Three kinds of user on one gunicorn, with think times like people's:

* reviewers work the review queue: the queue page, then a filing's review page and checklist, read them (10–30 s),
  then accept it (70 %) or return it with a reason; between filings a look at the queue;
* operators look at their filings and staff, edit a staff member's years of experience, and once
  each edit their filing's contact phone, sign the commitment again (an edit voids it) and submit;
* the public search near a point (page and API) and verify receipt numbers, each simulated citizen
  with its own address in ``X-Forwarded-For`` (the run trusts one proxy hop from 127.0.0.1), so the
  production per-client rate limits hold and a 429 would be a real finding.

Every failed request is classified in ``errors`` (written at the end): ``server`` (5xx), ``client``
(4xx that is no business refusal), ``rate_limited`` (429) and ``connection`` (no HTTP answer:
reset, refused, timeout). A business refusal (400/409 with a stable ``code``) is an answer, counted
by code in ``outcomes``, not an error."""

from __future__ import annotations

import itertools
import json
import os
import random
from collections import Counter

import gevent
from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser

CONFIG = json.loads(open(os.environ["LOADTEST_CONFIG"]).read())  # noqa: SIM115
FILINGS_TO_REVIEW: list[tuple[int, int]] = [(r, f) for r, reviewer in enumerate(CONFIG["reviewers"])
                                            for f in reviewer["filings"]]
random.Random(1).shuffle(FILINGS_TO_REVIEW)
OPERATORS = list(range(len(CONFIG["operators"])))
OUTCOMES: Counter = Counter()
ERRORS: Counter = Counter()
ERROR_DETAIL: Counter = Counter()
CITIZEN = itertools.count(1)


@events.request.add_listener
def _classify(request_type, name, response_time, response_length, response=None, exception=None, **kwargs):
    if exception is None:
        return
    status = getattr(response, "status_code", 0) or 0
    if status == 0:
        kind = "connection"
        ERROR_DETAIL[f"{name}: {type(exception).__name__}"] += 1
    elif status == 429:
        kind = "rate_limited"
    elif status >= 500:
        kind = "server"
    else:
        kind = "client"
    if status:
        ERROR_DETAIL[f"{name}: HTTP {status}"] += 1
    ERRORS[kind] += 1


@events.quitting.add_listener
def _write_results(environment, **kwargs):
    with open(CONFIG["outcomes_path"], "w") as out:
        json.dump(dict(OUTCOMES), out, ensure_ascii=False, indent=1)
    with open(CONFIG["errors_path"], "w") as out:
        json.dump({"by_kind": dict(ERRORS), "detail": dict(ERROR_DETAIL)}, out, ensure_ascii=False, indent=1)


def _code(response) -> str:
    try:
        return response.json().get("code", "?")
    except Exception:
        return "?"


def _transition(client, path: str, name: str, body: dict, outcome: str, headers: dict, method: str = "POST") -> bool:
    with client.request(method, path, json=body, headers=headers, name=name, catch_response=True) as response:
        if response.status_code == 200:
            OUTCOMES[outcome] += 1
            response.success()
            return True
        if response.status_code in (400, 409, 422) and _code(response) != "?":
            OUTCOMES[f"{name}: refused {_code(response)}"] += 1
            response.success()
        else:
            response.failure(f"HTTP {response.status_code}")
    return False


class Reviewer(FastHttpUser):
    weight = 15
    wait_time = between(3, 8)

    def on_start(self):
        self.me = random.randrange(len(CONFIG["reviewers"]))
        self.cookie = {"Cookie": CONFIG["reviewers"][self.me]["cookie"]}

    @task(1)
    def queue(self):
        self.client.get("/registry/review/", headers=self.cookie, name="review queue (page)")

    @task(3)
    def review(self):
        if not FILINGS_TO_REVIEW:  # the pool is used up: the queue page is all that is left
            OUTCOMES["review pool empty"] += 1
            self.queue()
            return
        owner, filing = FILINGS_TO_REVIEW.pop()
        entry = CONFIG["reviewers"][owner]
        auth = {"Authorization": f"Token {entry['token']}"}
        self.client.get(f"/registry/review/{filing}/", headers={"Cookie": entry["cookie"]}, name="review page")
        self.client.get(f"/api/v1/filings/{filing}/check/", headers=auth, name="API filing checklist")
        gevent.sleep(random.uniform(10, 30))  # reading the filing before deciding
        if random.random() < 0.7:
            _transition(self.client, f"/api/v1/filings/{filing}/accept/", "accept", {}, "accepted", auth)
        else:
            _transition(self.client, f"/api/v1/filings/{filing}/return/", "return",
                        {"reasons": ["请补充消防验收材料的清晰扫描件"]}, "returned", auth)


class Operator(FastHttpUser):
    weight = 15
    wait_time = between(3, 10)

    def on_start(self):
        self.account = CONFIG["operators"][OPERATORS[random.randrange(len(OPERATORS))]] if OPERATORS else None
        if self.account is None:
            raise RuntimeError("no operator accounts")
        self.auth = {"Authorization": f"Token {self.account['token']}"}

    @task(3)
    def my_filings(self):
        self.client.get("/api/v1/filings/", headers=self.auth, name="API filings (operator)")

    @task(2)
    def staff(self):
        self.client.get(f"/api/v1/institutions/{self.account['institution']}/staff/", headers=self.auth,
                        name="API staff list")

    @task(1)
    def staff_change(self):
        if self.account["staff"]:
            staff = random.choice(self.account["staff"])
            _transition(self.client, f"/api/v1/institutions/{self.account['institution']}/staff/{staff}/",
                        "staff edit", {"years_experience": random.randint(3, 15)}, "staff edited", self.auth,
                        method="PATCH")

    @task(1)
    def submit(self):
        if not self.account["filings"]:
            return
        filing = self.account["filings"].pop()
        if not _transition(self.client, f"/api/v1/filings/{filing}/", "filing edit",
                           {"contact_phone": f"0755{random.randint(10000000, 99999999)}"}, "filing edited",
                           self.auth, method="PATCH"):
            return
        if not _transition(self.client, f"/api/v1/filings/{filing}/commitment/", "commitment",
                           {"signer": self.account["signer"]}, "commitment signed", self.auth):
            return
        _transition(self.client, f"/api/v1/filings/{filing}/submit/", "submit", {}, "submitted", self.auth)


class Public(FastHttpUser):
    weight = 70
    wait_time = between(2, 8)

    def on_start(self):
        n = next(CITIZEN)
        self.headers = {"X-Forwarded-For": f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"}

    @task(4)
    def search_api(self):
        lat, lng = random.choice(CONFIG["points"])
        self.client.get(f"/api/v1/public/institutions/?lat={lat}&lng={lng}&radius_km=5", headers=self.headers,
                        name="public search (API)")

    @task(3)
    def search_page(self):
        lat, lng = random.choice(CONFIG["points"])
        self.client.get(f"/search/?lat={lat}&lng={lng}&radius_km=5", headers=self.headers,
                        name="public search (page)")

    @task(3)
    def verify(self):
        self.client.get(f"/verify/{random.choice(CONFIG['receipts'])}/", headers=self.headers,
                        name="verify receipt")
