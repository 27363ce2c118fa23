"""The weekly report for the SCM preparation team, in Markdown.

COMMITMENTS_TOKEN=ac_... python examples/weekly_report.py [--api-url http://127.0.0.1:8000]
"""

import argparse
import os
from datetime import date, timedelta

from app.client import CommitmentsClient

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--api-url", default="http://127.0.0.1:8000")
parser.add_argument("--as-of", type=date.fromisoformat, default=None)
args = parser.parse_args()
today = args.as_of or date.today()

with CommitmentsClient(args.api_url, os.environ["COMMITMENTS_TOKEN"]) as client:
    overdue = client.overdue(as_of=today)
    coming = client.deadlines(as_of=today, due_soon_days=14).due_soon
    by_area = client.summary("area", {"as_of": today})

print(f"# Alliance commitments: week of {today:%d %B %Y}\n")
print(f"## Overdue ({overdue.total})\n")
for group in overdue.groups:
    print(f"**{group.party}** — {group.lead or 'no lead named'}\n")
    for item in group.items:
        cycle = f" ({item.cycle})" if item.cycle else ""
        late = f"due {item.due_date}, {item.days_overdue} days overdue"
        print(f"- {item.ref}{cycle}: {item.title}, {late}")
    print()
print(f"## Due by {today + timedelta(days=14)} ({len(coming)})\n")
for item in coming:
    print(f"- {item.ref}: {item.title}, due {item.due_date}")
print("\n## By priority area\n")
print("| Area | Commitments | Completed | Overdue | Due soon |")
print("| --- | ---: | ---: | ---: | ---: |")
for area in by_area.groups:
    share = f"{area.completed_share:.0%}"
    print(f"| {area.label} | {area.total} | {share} | {area.overdue} | {area.due_soon} |")
