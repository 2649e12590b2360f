"""Verifies requests with the `standardwebhooks` package (PyPI), as a receiver would.

Usage: verify_standard_webhooks.py IN.json OUT.json
IN.json: [{"secret": "whsec_…", "body_b64": "…", "headers": {"webhook-id": …, …}}, …]
OUT.json: ["ok" | "error: <the library's exception>", …], one per request.
The library checks the timestamp against the real clock (5 minutes either way).
"""
import base64
import json
import sys

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def verify(case):
    try:
        Webhook(case["secret"]).verify(base64.b64decode(case["body_b64"]), case["headers"])
        return "ok"
    except WebhookVerificationError as error:
        return "error: " + str(error)


with open(sys.argv[1], encoding="utf-8") as source:
    cases = json.load(source)
with open(sys.argv[2], "w", encoding="utf-8") as target:
    json.dump([verify(case) for case in cases], target)
