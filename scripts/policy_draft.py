"""Draft ``docs/policy/access.yaml`` from what the matrix probe observed (a developer's tool).

    POLICY_DISCOVER=/tmp/obs.json ./.wt-test tests/test_policy_matrix.py -k every_route
    DJANGO_SETTINGS_MODULE=childcare.settings .venv/bin/python scripts/policy_draft.py /tmp/obs.json > draft.yaml

Review the draft (every ✓ must be intended: a hole found here is fixed in the code, not in the
table), then replace the table. Routes of one admin app and view that answer alike become one glob.
"""

from __future__ import annotations

import json
import sys
from collections import OrderedDict, defaultdict

import django

django.setup()

from core.access_policy import ANONYMOUS, route_key  # noqa: E402
from core.roles import Role  # noqa: E402
from tests.cross_tenant import iter_routes  # noqa: E402

ROLES = [ANONYMOUS, *Role.values]
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def area_and_glob(route) -> tuple[str, str]:
    key = route_key(route.name, route.template)
    if route.is_admin:
        bits = route.template.split("/")
        app = bits[1] if len(bits) > 2 else ""
        if not route.name:
            return f"admin {app}", f"/admin/{app}/*" if app else key
        if len(bits) > 3 and bits[2] and "<" not in bits[2]:
            prefix = f"admin:{app}_{bits[2]}_"
            if route.name.startswith(prefix):
                return f"admin {app}", f"admin:{app}_*_{route.name[len(prefix):]}"
        return "admin", key
    if route.namespace:
        return route.namespace, key
    return (route.name.split("-")[0] + "-" + route.name.split("-")[1] if route.name.count("-") else
            route.template.split("/")[0] or "root"), key


def main(path: str) -> None:
    observed: dict = defaultdict(dict)
    with open(path, encoding="utf-8") as fh:
        if path.endswith(".jsonl"):  # written as the probe goes: the last route may be incomplete
            rows = [json.loads(line) for line in fh if line.strip()]
            last = rows[-1][0] if rows else None
            for key, method, role, got in rows:
                if key != last:
                    observed[f"{key}\t{method}"][role] = got
        else:
            observed.update(json.load(fh))
    vectors: dict[str, tuple] = {}
    errors = []
    for route in iter_routes():
        key = route_key(route.name, route.template)
        rules = []
        for method in METHODS:
            seen = observed.get(f"{key}\t{method}")
            if not seen:
                continue
            if "405" in seen.values():  # not served (a role may be refused before the method check)
                errors += [f"{role} {method} {key}: {v} where others get 405" for role, v in seen.items()
                           if v not in ("405", "refuse")]
                continue
            errors += [f"{role} {method} {key}: {v}" for role, v in seen.items() if v in ("error", "429")]
            allow = tuple(r for r in ROLES if seen.get(r) == "allow")
            nf = tuple(r for r in ROLES if seen.get(r) == "404")
            rules.append((method, allow, nf))
        vectors[key] = tuple(rules)
    by_glob: dict[tuple[str, str], list[str]] = defaultdict(list)
    for route in iter_routes():
        by_glob[area_and_glob(route)].append(route_key(route.name, route.template))
    entries: dict[tuple[str, tuple], list[str]] = OrderedDict()
    for (area, glob), all_keys in by_glob.items():
        keys = [k for k in all_keys if vectors[k]]  # routes not probed yet stay out of the table
        if not keys:
            continue
        if len(keys) < len(all_keys):
            glob = ""
        distinct = {vectors[k] for k in keys}
        if "*" in glob and len(distinct) == 1:
            entries.setdefault((area, vectors[keys[0]]), []).append(glob)
        else:
            for k in dict.fromkeys(keys):
                entries.setdefault((area, vectors[k]), []).append(k)
    out = {"roles": ROLES, "groups": []}
    counter: dict[str, int] = defaultdict(int)
    for (area, vector), keys in entries.items():
        counter[area] += 1
        methods: dict = {}  # methods that answer alike share one row: "GET, POST"
        for method, allow, nf in vector:
            same = next((k for k, (a, n) in methods.items() if (a, n) == (allow, nf)), None)
            if same is not None:
                methods[f"{same}, {method}"] = methods.pop(same)
            else:
                methods[method] = (allow, nf)
        methods = {k: _rule(a, n) for k, (a, n) in methods.items()}
        out["groups"].append({"title": f"{area} #{counter[area]}", "routes": sorted(dict.fromkeys(keys)),
                              "methods": methods})
    if errors:
        print("# SERVER ERRORS:\n# " + "\n# ".join(errors), file=sys.stderr)
    import yaml

    print(yaml.safe_dump(out, allow_unicode=True, sort_keys=False, width=120, default_flow_style=None))


def _rule(allow, nf) -> dict:
    rule = {}
    if allow:
        rule["allow"] = "everyone" if set(allow) == set(ROLES) else list(allow)
    if nf:
        rule["404"] = list(nf)
    return rule


if __name__ == "__main__":
    main(sys.argv[1])
