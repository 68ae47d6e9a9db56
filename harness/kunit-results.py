#!/usr/bin/env python3
# kunit-results.py PREFIX JSON: turn the results that kunit.py's own parser
# wrote (kunit.py run/parse --json=JSON) into the harness's result lines,
# one a test case (a parameter of a parameterised case counts as a case):
#   ok PREFIX: suite.case[.parameter]
#   not ok PREFIX: ...       failed, crashed, or reported missing
#   skip PREFIX: ...
# The parser checks every KTAP plan: a case or suite that the plan announced
# but that never reported (a crash, a hang killed by the timeout) is in the
# JSON as a nameless entry with status ERROR, and is printed here as
# "not ok PREFIX: SUITE: result missing". A JSON file with no case at all is
# an error. Python because JSON needs a real parser.
import json
import sys

STATUS = {"PASS": "ok", "SKIP": "skip"}


def leaves(group, path):
    for case in group.get("test_cases", []):
        name = case.get("name") or ""
        status = STATUS.get(case.get("status"), "not ok")
        if name:
            yield status, ".".join(path + [name])
        else:
            where = ".".join(path) or "top level"
            yield "not ok", f"{where}: result missing (crash or timeout)"
    for sub in group.get("sub_groups", []):
        yield from leaves(sub, path + [sub.get("name") or "?"])


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: kunit-results.py PREFIX JSON")
    prefix, path = sys.argv[1:]
    with open(path) as f:
        root = json.load(f)
    results = list(leaves(root, []))
    if not results:
        sys.exit(f"no test case in {path}")
    for status, name in results:
        print(f"{status} {prefix}: {name}")


if __name__ == "__main__":
    main()
