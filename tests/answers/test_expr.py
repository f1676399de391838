"""The whitelist expression parser and the equivalence test.

Hostile strings are fed to every entry point that reads student text; none may run code. A
marker file that each payload would create proves it: it must not exist afterwards.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest
import sympy

from exercises.base import Kind
from grader.answers.expr import (
    MAX_DEPTH,
    MAX_EXPONENT,
    ExpressionError,
    default_vocabulary,
    equivalent,
    evaluate,
    make_vocabulary,
    parse_expression,
    to_sympy,
)
from grader.answers.marking import vocabulary_for
from grader.answers.values import AnswerError, parse_answer

a, beta = sympy.symbols("a beta", real=True)


def sig(t: sympy.Expr) -> sympy.Expr:
    return 1 / (1 + sympy.exp(-t))


def same(text: str, expected: sympy.Expr) -> bool:
    """sympy (an independent oracle) agrees that ``text`` parses to ``expected``."""
    return sympy.simplify(to_sympy(parse_expression(text)) - expected) == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("beta*s*(1-s)", beta * sig(beta * a) * (1 - sig(beta * a))),
        ("β s (1 − s)", beta * sig(beta * a) * (1 - sig(beta * a))),
        ("2s", 2 * sig(beta * a)),
        ("s(1-s)", sig(beta * a) * (1 - sig(beta * a))),
        ("(1-s)s", sig(beta * a) * (1 - sig(beta * a))),
        ("sigma(a)", sig(a)),
        ("σ(βa)", sig(beta * a)),
        ("sigmoid(2*a)", sig(2 * a)),
        ("sigma*(1-sigma)", sig(beta * a) * (1 - sig(beta * a))),
        ("-a^2", -(a**2)),
        ("-a**2", -(a**2)),
        ("2^-1", sympy.Rational(1, 2)),
        ("a^2^3", a**8),
        ("1/2a", a / 2),
        ("2e-3", sympy.Rational(1, 500)),
        ("2e", 2 * sympy.E),
        ("e^a", sympy.exp(a)),
        ("ln(a) + log(a)", 2 * sympy.log(a)),
        ("sqrt(a)*pi", sympy.sqrt(a) * sympy.pi),
        ("a·beta × 2 ÷ 4", a * beta / 2),
        ("a²", a**2),
        ("exp(-beta*a)/(1+exp(-beta*a))^2", sympy.exp(-beta * a) / (1 + sympy.exp(-beta * a)) ** 2),
    ],
)
def test_parses_to_the_expected_sympy_expression(text: str, expected: sympy.Expr) -> None:
    assert same(text, expected)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("betas", "unknown name 'betas'"),
        ("x + 1", "unknown name 'x'"),
        ("exp a", "exp needs brackets"),
        ("2 3", "missing operator before the number '3'"),
        ("s 2", "missing operator"),
        ("a +", "ends too early"),
        ("(a", "never closed"),
        ("a)", "unmatched ')'"),
        ("a ** * 2", "unexpected '*'"),
        ("", "empty"),
        ("a, beta", "unexpected character ','"),
        ("a = 1", "unexpected character '='"),
        ("1e40", "is too large"),
        ("1e999", "too long or too large"),
        ("a^" + str(MAX_EXPONENT + 1), "exponent is too large"),
        ("(a^64)^64", "combined degree"),
        ("a^(1/0)", "exponent is too large"),
        ("1/0", "no finite value"),
    ],
)
def test_refusals_name_the_problem(text: str, reason: str) -> None:
    with pytest.raises(ExpressionError) as err:
        parse_expression(text)
    assert reason in str(err.value)
    assert "\n" not in str(err.value)


HOSTILE = [
    "__import__('os').system('touch {marker}')",
    '__import__("os").system("touch {marker}")',
    "().__class__.__bases__[0].__subclasses__()",
    "().__class__",
    "a.__class__",
    "lambda: open('{marker}', 'w')",
    "exec(\"open('{marker}','w')\")",
    "eval('1')",
    "open('{marker}', 'w')",
    "globals()",
    "import os",
    "s; import os",
    "9**9**9**9",
    "9^9^9^9",
    "(9**9)**(9**9)",
    "2**10**10",
    "10" * 100,
    "a*" * 150 + "a",
    "(" * 1000 + "a" + ")" * 1000,
    "(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1),
    "-" * 190 + "a",
    "sqrt(" * 40 + "a" + ")" * 40,
    "a" * 10_000,
    "\x00",
    "{marker}",
]


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_strings_are_refused_and_run_nothing(payload: str, tmp_path: Path) -> None:
    marker = tmp_path / "MARKER"
    text = payload.format(marker=marker) if "{marker}" in payload else payload
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        with pytest.raises(ExpressionError) as err:
            parse_expression(text)
        with pytest.raises(AnswerError):
            parse_answer(text, Kind.EXPRESSION)
        for kind in (Kind.NUMBER, Kind.INTEGER, Kind.MATRIX, Kind.CHOICE):
            try:  # a long run of digits is a (silly) number; nothing else may get through
                parse_answer(text, kind)
            except AnswerError:
                continue
            assert kind != Kind.CHOICE and set(text) <= set("0123456789")
    finally:
        os.chdir(cwd)
    assert not marker.exists()
    assert not (tmp_path / "x").exists()
    assert len(str(err.value)) < 200 and "\n" not in str(err.value)


def test_equivalence_accepts_the_forms_of_the_sigmoid_derivative() -> None:
    vocab = vocabulary_for_sigmoid()
    expected = parse_expression("beta*s*(1 - s)", vocab)
    for text in [
        "beta*s*(1-s)",
        "β s (1 − s)",
        "beta*(s - s^2)",
        "beta*sigma(a)*(1-sigma(a))",
        "beta*exp(-beta*a)/(1+exp(-beta*a))^2",
        "beta/(2 + exp(beta*a) + exp(-beta*a))",
        "s*beta*(1-s)",
        "β σ(1 − σ)",  # σ standing for s = σ(a), as students write it
        "beta*σ(a)*(1 - σ)",
    ]:
        verdict = equivalent(expected, parse_expression(text, vocab))
        assert verdict.equivalent, (text, verdict)
    for text in [
        "s*(1-s)",
        "σ(1-σ)",
        "beta*s",
        "beta*s*(1+s)",
        "beta*s^2*(1-s)",
        "beta*sigma(beta*a)",
        "beta*σ(1 - σ(a))",  # σ applied to 1 - σ(a), as written
    ]:
        assert not equivalent(expected, parse_expression(text, vocab)).equivalent, text


def vocabulary_for_sigmoid():  # type: ignore[no-untyped-def]
    from grader.topics import get_exercise

    return vocabulary_for(get_exercise("sigmoid_derivative"))


def test_exercise_definitions_are_used() -> None:
    # the catalogue's sigma has the exercise's slope: sigma(a) is σ(βa) there
    vocab = vocabulary_for_sigmoid()
    tree = parse_expression("sigma(a)", vocab)
    assert sympy.simplify(to_sympy(tree) - sig(beta * a)) == 0
    # the default vocabulary's sigma is the plain logistic function
    plain = parse_expression("sigma(a)", default_vocabulary())
    assert sympy.simplify(to_sympy(plain) - sig(a)) == 0


def test_custom_vocabulary() -> None:
    vocab = make_vocabulary(["z", "w"], {"y": "2*z"})
    assert same_value(parse_expression("y*w + 1", vocab), {"z": 1.5, "w": 2.0}, 7.0)
    with pytest.raises(ExpressionError, match="unknown name 'a'"):
        parse_expression("a", vocab)


def same_value(tree, env, value) -> bool:  # type: ignore[no-untyped-def]
    return math.isclose(evaluate(tree, env), value)


def test_numeric_disagreement_needs_no_sympy_and_domain_gaps_are_skipped() -> None:
    x = parse_expression("sqrt(a^2)")
    y = parse_expression("a")
    assert not equivalent(x, y).equivalent  # differs for negative a
    assert equivalent(parse_expression("log(exp(a))"), y).equivalent
    assert equivalent(parse_expression("exp(log(a))"), y).equivalent  # only a > 0 compared


def test_equivalence_that_sympy_cannot_prove_is_decided_by_many_points() -> None:
    # tanh written out: simplify may or may not close it; either way it is right
    x = parse_expression("tanh(a)")
    y = parse_expression("(exp(2a) - 1)/(exp(2a) + 1)")
    verdict = equivalent(x, y)
    assert verdict.equivalent


def test_a_simplification_past_its_deadline_is_killed_and_points_decide(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from grader.answers import expr

    monkeypatch.setattr(expr, "SIMPLIFY_SECONDS", 0.0)
    expr._compare.cache_clear()
    x = parse_expression("beta*s*(1-s)")
    y = parse_expression("beta*(s - s^2)")
    verdict = equivalent(x, y)
    assert verdict.equivalent and verdict.how == f"agrees at {expr.STRICT_POINTS} random points"
    assert not equivalent(x, parse_expression("beta*(s - s^3)")).equivalent
    expr._compare.cache_clear()


def test_sympy_proves_what_the_points_suggest() -> None:
    from grader.answers import expr

    expr._compare.cache_clear()
    verdict = equivalent(parse_expression("beta*s*(1-s)"), parse_expression("beta*(s - s^2)"))
    assert verdict == expr.Verdict(True, "simplifies to the same expression")
