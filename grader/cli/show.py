"""``grader show``: one problem of the catalogue with its worked solution."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import click

from grader.answers.values import AnswerError, parse_number
from grader.errors import UsageError

_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-"})


def parse_setting(text: str) -> tuple[str, Any]:
    """``NAME=VALUE`` with VALUE as JSON, else a plain number or word."""
    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise UsageError(f"--set {text!r}: expected NAME=VALUE, e.g. --set x=0.5")
    raw = raw.strip()
    if not raw:
        raise UsageError(f"--set {name}: no value given")
    raw = raw.translate(_MINUS)  # numbers pasted from the notes: −0.5
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        if raw[:1] in '[{"':
            raise UsageError(f"--set {name}: {raw!r} is not valid JSON") from None
        try:  # a number as a person writes it: 1/2, .5, 2e-3
            value = parse_number(raw)
        except AnswerError:
            value = raw  # a plain word such as sigmoid
    if isinstance(value, float) and value != value:  # NaN
        raise UsageError(f"--set {name}: the value must be finite")
    return name, value


@click.command("show")
@click.argument("exercise")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed of the variant.")
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="NAME=VALUE",
    help="Pin a parameter (JSON or a plain number); repeat for several.",
)
@click.option(
    "--round",
    "rounding",
    type=click.IntRange(0, 10),
    default=None,
    help="Work the solution by hand, rounding read-off values to K decimal places.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "md", "html", "tex", "json"]),
    default="text",
    show_default=True,
)
def show(
    exercise: str, seed: int, settings: tuple[str, ...], rounding: int | None, fmt: str
) -> None:
    """Show one variant of EXERCISE with its worked solution.

    \b
    Examples:
      grader show neuron_backprop --seed 3
      grader show neuron_backprop --set x=0.5 --set y=1.5 --set w=0.3 \\
          --set b=0.1 --set lr=0.1 --round 2
      grader show conv_feature_map --set kernel='[[1,0],[0,-1]]' --format html > conv.html
    """
    import numpy as np

    from grader.topics import catalogue

    if exercise not in catalogue():
        raise UsageError(f"unknown exercise {exercise!r}; known: {', '.join(catalogue())}")
    pinned: dict[str, Any] = {}
    for text in settings:
        name, value = parse_setting(text)
        if name in pinned and pinned[name] != value:
            raise UsageError(f"--set {name} is given twice, with different values")
        pinned[name] = value
    if seed < 0:
        raise UsageError("--seed must be >= 0")
    ex = catalogue()[exercise]
    try:
        problem = ex.generate(np.random.default_rng(seed), pinned)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    hand = ex.by_hand(problem, rounding) if rounding is not None else None
    if rounding is not None:
        if hand is None:
            click.echo(
                f"Note: {exercise} has no hand-rounded working here; showing the exact one.",
                err=True,
            )
            rounding = None
        else:
            problem = dataclasses.replace(problem, hand_rounding=rounding)
    if fmt == "json":
        data = problem.as_json()
        data["statement"] = problem.statement
        if hand is not None:
            from exercises.base import to_json

            data["by_hand"] = to_json(dict(hand))
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    from grader.render import render_show

    click.echo(render_show(problem, fmt, rounding), nl=False)
