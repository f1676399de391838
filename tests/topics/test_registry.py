"""The topic registry: one declaration per topic, found by listing the package."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import grader.topics as topics
from exercises.misconceptions import Misconception
from grader.codecheck.cases import build_cases
from grader.topics import CodeFunction, Quiz, Topic

ROOT = Path(__file__).resolve().parents[2]

# The order of the product contract's first catalogue and code API (later topics add to them).
FIRST_EXERCISES = [
    "neuron_output",
    "sigmoid_derivative",
    "neuron_backprop",
    "mlp_forward",
    "mlp_backprop",
    "conv_feature_map",
    "conv_output_size",
    "param_count",
]
FIRST_FUNCTIONS = [
    "sigmoid",
    "sigmoid_derivative",
    "relu",
    "relu_derivative",
    "neuron_output",
    "sse_loss",
    "neuron_gradients",
    "gradient_descent_step",
    "mlp_forward",
    "mlp_gradients",
    "predict",
    "conv2d",
    "conv_output_size",
    "dense_param_count",
    "conv_param_count",
]


def _in_order(names: list[str], wanted: list[str]) -> bool:
    return [n for n in names if n in wanted] == wanted


def test_the_first_exercises_and_functions_keep_their_order() -> None:
    assert _in_order(list(topics.catalogue()), FIRST_EXERCISES)
    assert list(topics.catalogue())[-1] == "concept"  # concept questions close the catalogue
    assert _in_order(list(topics.code_functions()), FIRST_FUNCTIONS)


def test_every_topic_module_is_found_and_sorted_by_course_order() -> None:
    found = topics.topics()
    package = Path(topics.__file__).parent
    modules = {p.stem for p in package.glob("*.py") if not p.stem.startswith("_")}
    assert all(isinstance(t, Topic) for t in found) and len(found) == len(modules)
    assert [t.order for t in found] == sorted(t.order for t in found)


def test_every_function_has_its_cases_and_stub_text() -> None:
    for name in topics.code_functions():
        fn = topics.code_function(name)
        assert fn.name == name and build_cases(name), name
        assert (ROOT / "templates" / "stub" / "functions" / f"{name}.py.j2").is_file(), name
        assert (ROOT / "templates" / "stub" / "maths" / f"{name}.md.j2").is_file(), name
        if fn.forward is not None:
            assert fn.forward in topics.code_functions()


def test_every_exercise_has_a_worked_solution_that_builds() -> None:
    import numpy as np

    for exercise_id, exercise in topics.catalogue().items():
        problem = exercise.generate(np.random.default_rng(7))
        solution = topics.worked_solution(problem)
        assert solution.problem is problem, exercise_id
        assert {s.part for s in solution.steps if s.part} == {p.id for p in problem.parts}


def test_every_mistake_an_exercise_or_case_names_is_in_the_one_catalogue() -> None:
    import numpy as np

    from exercises.misconceptions import ids

    known = topics.misconceptions()
    assert all(isinstance(m, Misconception) and m.text for m in known.values())
    named: set[str] = set()
    for exercise in topics.catalogue().values():
        for seed in range(3):
            problem = exercise.generate(np.random.default_rng(seed))
            named |= {i for p in problem.parts for m in p.mistakes for i in ids(m.misconception)}
    for name in topics.code_functions():
        named |= {i for c in build_cases(name) for m in c.mistakes for i in ids(m.misconception)}
    assert named and named <= set(known), sorted(named - set(known))


def test_a_misconception_is_a_plain_id_where_results_carry_it() -> None:
    import json

    m = topics.misconceptions()["grad-wrong-sign"]
    assert m == "grad-wrong-sign" and json.dumps({"tag": m}) == '{"tag": "grad-wrong-sign"}'
    assert topics.describe("grad-wrong-sign+gd-wrong-sign").startswith(m.text)
    assert topics.describe("not-a-known-id") == "not-a-known-id"


def _fake_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *modules: str) -> None:
    """grader.topics listing ``tmp_path`` instead of its own folder (a fresh registry)."""
    for i, text in enumerate(modules):
        (tmp_path / f"t{i}.py").write_text(text)
    monkeypatch.setattr(topics, "__path__", [str(tmp_path)])
    for name in [m for m in sys.modules if m.startswith("grader.topics.t")]:
        monkeypatch.delitem(sys.modules, name)
    _forget()


def _forget() -> None:
    for cached in (
        topics.topics,
        topics.quizzes,
        topics.catalogue,
        topics._functions,
        topics._solutions,
        topics.misconceptions,
    ):
        cached.cache_clear()


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    yield lambda *modules: _fake_package(monkeypatch, tmp_path, *modules)
    _forget()  # the real registry is read again once monkeypatch restores the package


HEAD = "from grader.topics import CodeFunction, Topic\nfrom grader.codecheck import cases as c\n"


def test_a_function_declared_by_two_topics_is_refused(fresh) -> None:
    fresh(
        HEAD + 'TOPIC = Topic("a", 1, functions=(CodeFunction("relu", c.relu_cases),))\n',
        HEAD + 'TOPIC = Topic("b", 2, functions=(CodeFunction("relu", c.relu_cases),))\n',
    )
    with pytest.raises(ValueError, match="function 'relu' is declared by topics 'a' and 'b'"):
        topics.topics()


def test_an_exercise_without_a_worked_solution_is_refused(fresh) -> None:
    fresh(
        "from grader.topics import Quiz, Topic\n"
        "from exercises.conv import ConvOutputSize\n"
        'TOPIC = Topic("a", 1, quiz=lambda: Quiz((ConvOutputSize(),), {}))\n'
    )
    assert len(topics.topics()) == 1  # the code side loads; the quiz side is checked on use
    with pytest.raises(ValueError, match="exercise 'conv_output_size' has no worked solution"):
        topics.catalogue()


def test_a_module_without_a_topic_is_refused(fresh) -> None:
    fresh("X = 1\n")
    with pytest.raises(TypeError, match="defines no TOPIC"):
        topics.topics()


def test_a_new_topic_needs_no_other_file(fresh) -> None:
    """What a topic module declares reaches the catalogue, the code API and the texts."""
    fresh(
        HEAD + "from exercises.misconceptions import Misconception\n"
        "from grader.topics import Quiz\n"
        'OOPS = Misconception("relu-oops", "You did relu wrong.")\n'
        "def quiz():\n"
        "    from exercises.conv import ConvOutputSize\n"
        "    from exercises.solutions import steps\n"
        '    return Quiz((ConvOutputSize(),), {"conv_output_size": steps.conv_output_size})\n'
        'TOPIC = Topic("x", 5, functions=(CodeFunction("relu", c.relu_cases),),\n'
        "              misconceptions=(OOPS,), quiz=quiz)\n"
    )
    assert topics.code_functions() == ("relu",)
    assert list(topics.catalogue()) == ["conv_output_size"]
    assert topics.describe("relu-oops") == "You did relu wrong."


def test_checking_code_does_not_load_the_exercises() -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from grader.cli import main\n"
        f"r = CliRunner().invoke(main, ['check', {str(ROOT / 'tests/codecheck/submissions/correct.py')!r}])\n"
        "assert r.exit_code == 0, r.output\n"
        "print(sorted(m for m in sys.modules if m.startswith('exercises.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['exercises.base', 'exercises.misconceptions']"


def test_the_declarations_are_plain_frozen_data() -> None:
    t = topics.topics()[0]
    assert isinstance(t, Topic) and isinstance(t.functions[0], CodeFunction)
    assert isinstance(t.quiz(), Quiz)
    with pytest.raises(AttributeError):
        t.id = "other"  # type: ignore[misc]


def test_a_function_declares_what_an_overflow_tells_the_student() -> None:
    from grader.codecheck.diagnose import hints

    assert any("subtract the largest logit" in h for h in hints("softmax", [], {"finite"}))
    assert any("exp(a) / (1 + exp(a))" in h for h in hints("sigmoid", [], {"finite"}))
    assert not any("overflow" in h for h in hints("relu", [], {"finite"}))
