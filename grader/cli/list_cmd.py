"""``grader list``: the exercise catalogue."""

from __future__ import annotations

import json

import click


@click.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the catalogue as JSON.")
def list_cmd(as_json: bool) -> None:
    """List the exercises in the catalogue.

    \b
    Example:
      grader list --json
    """
    from grader.topics import catalogue

    rows = [{"id": e.id, "topic": e.topic, "title": e.title} for e in catalogue().values()]
    if as_json:
        click.echo(json.dumps({"exercises": rows}, indent=2))
        return
    if not rows:
        click.echo("The catalogue is empty.")
        return
    width = max(len(r["id"]) for r in rows)
    topics: dict[str, list[dict[str, str]]] = {}
    for r in rows:  # grouped by topic, topics in the order they are first taught
        topics.setdefault(r["topic"], []).append(r)
    for topic, members in topics.items():
        click.echo(f"{topic}:")
        for r in members:
            click.echo(f"  {r['id']:<{width}}  {r['title']}")
