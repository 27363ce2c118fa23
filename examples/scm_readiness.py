"""Are we ready for the next SCM? What falls due before it, and how the last cycle went.

COMMITMENTS_TOKEN=ac_... python examples/scm_readiness.py [--api-url URL] [--last SCM-57]
"""

import argparse
import asyncio
import os

from app.client import AsyncCommitmentsClient


async def main(api_url: str, token: str, last: str) -> None:
    async with AsyncCommitmentsClient(api_url, token) as client:
        previous, deadlines, anchored = await asyncio.gather(
            client.cycle_report(last),
            client.deadlines(),
            collect(client),
        )
    totals = previous.totals
    print(
        f"Before {previous.meeting} ({previous.held_on}): {totals.due} due, "
        f"{totals.on_time} on time, {totals.late} late, {totals.not_done} not done "
        f"({totals.on_time_share:.0%} on time)"
    )
    for party, compliance in previous.by_party.items():
        print(f"  {party}: {compliance.on_time}/{compliance.due} on time")
    print(
        f"\nOpen now: {len(deadlines.overdue)} overdue, {len(deadlines.due_soon)} due within "
        f"{deadlines.due_soon_days} days"
    )
    print("\nFollowing the SCM calendar:")
    for ref, title, when in anchored:
        print(f"  {ref}: {title} — {when}")


async def collect(client: AsyncCommitmentsClient) -> list[tuple[str, str, str]]:
    """Commitments whose due dates follow the SCM, with where each stands."""
    found = []
    async for commitment in client.iter_commitments(meeting="SCM-56"):
        if commitment.due_rule is not None or commitment.recurrence is not None:
            open_cycles = [c for c in commitment.cycles if not c.status.is_terminal]
            when = ", ".join(
                f"{c.key}: {c.due_date or 'date to be determined'}" for c in open_cycles
            )
            found.append(
                (
                    commitment.ref,
                    commitment.title,
                    when or f"due {commitment.due_date or 'date to be determined'}",
                )
            )
    return found


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--api-url", default="http://127.0.0.1:8000")
    parser.add_argument("--last", default="SCM-57", help="The last SCM held")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.api_url, os.environ["COMMITMENTS_TOKEN"], arguments.last))
