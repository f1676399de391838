"""Every exercise against independent computations, its mistakes, follow-through and pinning."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.signal import correlate2d

from exercises.base import EXACT, Kind
from exercises.misconceptions import ids
from grader.topics import CATALOGUE, MISCONCEPTIONS

SEEDS = range(25)
QUIZ_IDS = [
    "neuron_output",
    "sigmoid_derivative",
    "neuron_backprop",
    "mlp_forward",
    "mlp_backprop",
    "softmax_cross_entropy",
    "conv_feature_map",
    "conv_output_size",
    "param_count",
    "pooling",
    "conv_multichannel",
    "cnn_param_count",
    "concept",
]
PARTS = {
    "neuron_output": ["z", "y_hat"],
    "sigmoid_derivative": ["value", "expression"],
    "neuron_backprop": [
        "y_hat", "loss", "dL_dyhat", "dyhat_dz", "dL_dw", "dL_db", "w_new", "b_new",
    ],
    "softmax_cross_entropy": ["p", "loss", "dL_dz"],
    "conv_feature_map": ["feature_map"],
    "conv_output_size": ["size", "params"],
    "param_count": ["dense", "conv"],
    "pooling": ["output", "size"],
    "concept": ["answer"],
}  # fmt: skip


def sig(a: float, beta: float = 1.0) -> float:
    return 1.0 / (1.0 + math.exp(-beta * a))


def problems(exercise: str):
    return [CATALOGUE[exercise].generate(np.random.default_rng(s)) for s in SEEDS]


def test_catalogue_holds_every_quiz_exercise_in_teaching_order():
    assert list(CATALOGUE)[: len(QUIZ_IDS)] == QUIZ_IDS
    for eid, ex in CATALOGUE.items():
        assert ex.id == eid and ex.title and ex.topic


@pytest.mark.parametrize("exercise", QUIZ_IDS)
def test_fixed_part_ids(exercise):
    for p in problems(exercise)[:5]:
        ids = [part.id for part in p.parts]
        if exercise in PARTS:
            assert ids == PARTS[exercise]
        elif exercise == "cnn_param_count":
            n = len(p.params["layers"])
            assert ids == [f"{k}{i}" for i in range(1, n + 1) for k in ("params", "shape")] + [
                "total"
            ]
        elif exercise == "conv_multichannel":  # one map per filter
            assert ids == ["output"] + [f"output_{f}" for f in range(1, len(p.params["w"]))]
        elif exercise == "mlp_forward":
            assert ids[0] == "output" and set(ids) <= {"output", "predicted_class"}
        else:
            assert ids == [f"dL_dW{i + 1}" for i in range(len(p.params["weights"]))]


@pytest.mark.parametrize("exercise", QUIZ_IDS)
def test_same_seed_same_problem_and_rebuild_from_params(exercise):
    ex = CATALOGUE[exercise]
    a = ex.generate(np.random.default_rng(7))
    b = ex.generate(np.random.default_rng(7))
    assert a.params == b.params and a.statement == b.statement
    rebuilt = ex.build(a.as_json()["params"])  # what key.json records
    assert rebuilt.key() == a.key()
    distinct = {str(p.as_json()["params"]) for p in problems(exercise)}
    assert len(distinct) >= 8, "seeds should give different variants"


@pytest.mark.parametrize("exercise", QUIZ_IDS)
def test_mistakes_are_known_and_differ_from_the_answer(exercise):
    for p in problems(exercise):
        for part in p.parts:
            for m in part.mistakes:
                assert all(i in MISCONCEPTIONS for i in ids(m.misconception)), m.misconception
                if isinstance(part.answer, str):
                    assert m.value != part.answer
                    continue
                a, v = np.asarray(part.answer), np.asarray(m.value)
                if a.shape == v.shape:
                    worst = np.max(np.abs(a - v))
                    margin = max(part.tolerance.margin(float(x)) for x in a.flat)
                    assert worst > margin, (exercise, part.id, m.misconception)


def test_neuron_output_against_plain_python():
    for p in problems("neuron_output"):
        x, w, b = p.params["x"], p.params["w"], p.params["b"]
        z = sum(xi * wi for xi, wi in zip(x, w, strict=True)) + b
        act = p.params["activation"]
        y = {"sigmoid": sig(z, p.params["beta"]), "relu": max(0.0, z), "linear": z}[act]
        assert p.part("z").answer == pytest.approx(z)
        assert p.part("y_hat").answer == pytest.approx(y)
        missing = {m.misconception: m.value for m in p.part("z").mistakes}
        assert missing["mlp-missing-bias"] == pytest.approx(z - b)


def test_sigmoid_derivative_against_finite_differences():
    for p in problems("sigmoid_derivative"):
        a, beta = p.params["a"], p.params["beta"]
        h = 1e-6
        fd = (sig(a + h, beta) - sig(a - h, beta)) / (2 * h)
        assert p.part("value").answer == pytest.approx(fd, rel=1e-6)
        assert p.part("expression").kind is Kind.EXPRESSION
        mistakes = [(m.misconception, m.value) for m in p.part("value").mistakes]
        if beta != 1:
            s, s1 = sig(a, beta), sig(a, 1.0)  # β left out of the product, or out altogether
            assert mistakes[0] == ("sigmoid-derivative-missing-beta", pytest.approx(s * (1 - s)))
            assert any(abs(v - s1 * (1 - s1)) < 1e-3 for _, v in mistakes)  # unless they coincide
        else:
            assert all(m != "sigmoid-derivative-missing-beta" for m, _ in mistakes)
        # σ'(a) computed from a itself, wherever a grader can tell it from the answer
        on_a = beta * a * (1 - a)
        assert ("sigmoid-derivative-of-input", pytest.approx(on_a)) in mistakes or (
            abs(on_a - fd) < 0.01 or any(abs(on_a - v) < 1e-3 for _, v in mistakes)
        )
    assert any(p.params["beta"] != 1 for p in problems("sigmoid_derivative"))


def neuron_chain_by_calculus(x, y, w, b, lr, beta=1.0):
    """The chain by finite differences of the loss: an oracle independent of the formulas."""

    def loss(w_, b_):
        return 0.5 * (y - sig(w_ * x + b_, beta)) ** 2

    h = 1e-6
    dw = (loss(w + h, b) - loss(w - h, b)) / (2 * h)
    db = (loss(w, b + h) - loss(w, b - h)) / (2 * h)
    return loss(w, b), dw, db, w - lr * dw, b - lr * db


def test_neuron_backprop_against_finite_differences():
    for p in problems("neuron_backprop"):
        q = p.params
        loss, dw, db, w_new, b_new = neuron_chain_by_calculus(
            q["x"], q["y"], q["w"], q["b"], q["lr"]
        )
        assert p.part("loss").answer == pytest.approx(loss)
        assert p.part("dL_dw").answer == pytest.approx(dw, rel=1e-5, abs=1e-9)
        assert p.part("dL_db").answer == pytest.approx(db, rel=1e-5, abs=1e-9)
        assert p.part("w_new").answer == pytest.approx(w_new, rel=1e-6)
        assert p.part("b_new").answer == pytest.approx(b_new, rel=1e-6)


def test_neuron_backprop_mistakes_are_what_each_mistake_computes():
    for p in problems("neuron_backprop"):
        q = p.params
        y_hat = sig(q["w"] * q["x"] + q["b"])
        expected = {
            ("loss", "loss-missing-half"): (q["y"] - y_hat) ** 2,
            ("dL_dyhat", "grad-wrong-sign"): q["y"] - y_hat,
            ("dL_dw", "grad-wrong-sign"): -p.part("dL_dw").answer,
            ("dL_dw", "grad-missing-activation-derivative"): -(q["y"] - y_hat) * q["x"],
            ("dL_dw", "loss-missing-half"): 2 * p.part("dL_dw").answer,
            ("w_new", "gd-wrong-sign"): q["w"] + q["lr"] * p.part("dL_dw").answer,
            ("b_new", "gd-wrong-sign"): q["b"] + q["lr"] * p.part("dL_db").answer,
        }
        for part in p.parts:
            for m in part.mistakes:
                if (part.id, m.misconception) in expected:
                    assert m.value == pytest.approx(expected[part.id, m.misconception])
        tags = {(part.id, m.misconception) for part in p.parts for m in part.mistakes}
        assert ("w_new", "gd-wrong-sign") in tags and ("loss", "loss-missing-half") in tags


def test_worked_example_of_the_notes_exact_and_by_hand():
    ex = CATALOGUE["neuron_backprop"]
    p = ex.build({"x": 0.5, "y": 1.5, "w": 0.3, "b": 0.1, "lr": 0.1})
    exact = {
        "y_hat": 0.562177, "loss": 0.439756, "dL_dyhat": -0.937823, "dyhat_dz": 0.246134,
        "dL_dw": -0.115415, "dL_db": -0.230830, "w_new": 0.311542, "b_new": 0.123083,
    }  # fmt: skip
    for pid, value in exact.items():
        assert p.part(pid).answer == pytest.approx(value, abs=1e-6)
    hand = ex.by_hand(p, 2)
    assert hand == {
        "y_hat": 0.56, "loss": 0.44, "dL_dyhat": -0.94, "dyhat_dz": 0.25,
        "dL_dw": -0.1175, "dL_db": -0.235, "w_new": 0.3118, "b_new": 0.1235,
    }  # fmt: skip


def test_neuron_backprop_follow_through_from_right_and_wrong_inputs():
    ex = CATALOGUE["neuron_backprop"]
    for p in problems("neuron_backprop"):
        right = p.key()
        for pid in right:
            ft = ex.follow_through(p, pid, right)
            if pid == "y_hat":
                assert ft is None
            else:
                assert ft == pytest.approx(right[pid])
    p = ex.build({"x": 0.5, "y": 1.5, "w": 0.3, "b": 0.1, "lr": 0.1})
    # a student who read y_hat as 0.6 and carried it through
    assert ex.follow_through(p, "loss", {"y_hat": 0.6}) == pytest.approx(0.405)
    assert ex.follow_through(p, "dL_dyhat", {"y_hat": 0.6}) == pytest.approx(-0.9)
    assert ex.follow_through(p, "dyhat_dz", {"y_hat": 0.6}) == pytest.approx(0.24)
    given = {"dL_dyhat": -0.9, "dyhat_dz": 0.24}
    assert ex.follow_through(p, "dL_dw", given) == pytest.approx(-0.108)
    assert ex.follow_through(p, "w_new", {"dL_dw": -0.108}) == pytest.approx(0.3108)
    assert ex.follow_through(p, "b_new", {"dL_db": "garbage"}) == pytest.approx(0.123083, abs=1e-6)


def mlp_forward_loops(X, weights, augment, activation, beta):
    """A naive forward pass with Python loops, the oracle for mlp_forward."""
    acts = [activation] * len(weights) if isinstance(activation, str) else activation
    h = [list(row) for row in X]
    for W, aug, act in zip(weights, augment, acts, strict=True):
        if aug:
            h = [[1.0, *row] for row in h]
        z = [[sum(row[k] * W[k][j] for k in range(len(W))) for j in range(len(W[0]))] for row in h]
        f = {"sigmoid": lambda v: sig(v, beta), "relu": lambda v: max(0.0, v), "linear": float}
        h = [[f[act](v) for v in row] for row in z]
    return np.array(h)


def test_mlp_forward_against_loops_and_its_mistakes():
    ex = CATALOGUE["mlp_forward"]
    seen_classifier = seen_transposed = False
    for p in problems("mlp_forward"):
        q = p.params
        out = mlp_forward_loops(q["X"], q["weights"], q["augment"], q["activation"], q["beta"])
        np.testing.assert_allclose(p.part("output").answer, out, rtol=1e-12)
        mistakes = {m.misconception: m.value for m in p.part("output").mistakes}
        no_bias = mlp_forward_loops(
            q["X"], [np.asarray(q["weights"][0]).tolist(), q["weights"][1][1:]],
            [False, False], q["activation"], q["beta"],
        )  # fmt: skip
        if "mlp-missing-bias" in mistakes:
            np.testing.assert_allclose(mistakes["mlp-missing-bias"], no_bias)
        if "transposed-weights" in mistakes:
            seen_transposed = True
        if len(p.parts) > 1:
            seen_classifier = True
            classes = np.argmax(out, axis=1)
            np.testing.assert_array_equal(p.part("predicted_class").answer, [classes])
            one_based = p.part("predicted_class").mistakes[0]
            assert one_based.misconception == "predict-one-based"
            np.testing.assert_array_equal(one_based.value, [classes + 1])
            # follow-through: the class from the student's own output matrix
            wrong = np.array(out)
            wrong[:, 0] = 5.0
            ft = ex.follow_through(p, "predicted_class", {"output": wrong})
            np.testing.assert_array_equal(ft, [[0] * len(out)])
            right = ex.follow_through(p, "predicted_class", p.key())
            np.testing.assert_array_equal(right, p.part("predicted_class").answer)
    assert seen_classifier and seen_transposed


def test_mlp_backprop_against_finite_differences():
    from reference import mlp_forward_augmented

    for p in problems("mlp_backprop")[:10]:
        q = p.params

        def loss(ws, q=q):
            out = mlp_forward_augmented(q["X"], ws, q["augment"], q["activation"], q["beta"])
            return 0.5 * float(np.sum((np.asarray(q["Y"]) - out) ** 2))

        for layer, part in enumerate(p.parts):
            ws = [np.array(w, dtype=float) for w in q["weights"]]
            fd = np.zeros_like(ws[layer])
            for idx in np.ndindex(fd.shape):
                up = [w.copy() for w in ws]
                dn = [w.copy() for w in ws]
                up[layer][idx] += 1e-6
                dn[layer][idx] -= 1e-6
                fd[idx] = (loss(up) - loss(dn)) / 2e-6
            np.testing.assert_allclose(part.answer, fd, atol=1e-7)
            tags = {m.misconception for m in part.mistakes}
            assert "grad-wrong-sign" in tags
            flipped = next(m.value for m in part.mistakes if m.misconception == "grad-wrong-sign")
            np.testing.assert_allclose(flipped, -fd, atol=1e-7)


NOTES_IMAGE = [
    [1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]
]  # fmt: skip
NOTES_KERNEL = [[1, 0, 1], [0, 1, 0], [1, 0, 1]]


def test_conv_feature_map_of_the_notes():
    ex = CATALOGUE["conv_feature_map"]
    p = ex.generate(np.random.default_rng(0), {"image": NOTES_IMAGE, "kernel": NOTES_KERNEL})
    np.testing.assert_array_equal(p.part("feature_map").answer, [[4, 3, 4], [2, 4, 3], [2, 3, 4]])
    assert p.params["stride"] == 1 and p.params["padding"] == 0
    # a symmetric kernel cannot reveal a flipped kernel: that mistake is not claimed
    assert not p.part("feature_map").mistakes


def test_conv_feature_map_against_scipy_and_its_mistakes():
    for p in problems("conv_feature_map"):
        q = p.params
        img = np.pad(np.array(q["image"]), q["padding"])
        ker = np.array(q["kernel"])
        s = q["stride"]
        expected = correlate2d(img, ker, mode="valid")[::s, ::s]
        np.testing.assert_array_equal(p.part("feature_map").answer, expected)
        assert not np.array_equal(ker, ker[::-1, ::-1]), "kernels must be asymmetric"
        mistakes = {m.misconception: m.value for m in p.part("feature_map").mistakes}
        flipped = correlate2d(img, ker[::-1, ::-1], mode="valid")[::s, ::s]
        np.testing.assert_array_equal(mistakes["conv-flipped-kernel"], flipped)
        if q["stride"] > 1:
            no_stride = correlate2d(img, ker, mode="valid")
            np.testing.assert_array_equal(mistakes["conv-stride-ignored"], no_stride)
        if q["padding"]:
            unpadded = correlate2d(np.array(q["image"]), ker, mode="valid")[::s, ::s]
            np.testing.assert_array_equal(mistakes["conv-padding-ignored"], unpadded)
        assert p.part("feature_map").tolerance == EXACT
    shapes = {np.shape(p.part("feature_map").answer) for p in problems("conv_feature_map")}
    assert any(r != c for r, c in shapes), "some feature maps should not be square"


def test_conv_output_size_and_param_count():
    for p in problems("conv_output_size"):
        q = p.params
        size = (q["n"] + 2 * q["padding"] - q["k"]) // q["stride"] + 1
        count = q["k"] ** 2 * q["c_in"] * q["c_out"] + q["c_out"]
        assert p.part("size").answer == size and p.part("params").answer == count
        sizes = [m.value for m in p.part("size").mistakes if m.misconception.endswith("by-one")]
        assert size - 1 in sizes
        assert p.part("params").mistakes[0].value == count - q["c_out"]
    p = CATALOGUE["param_count"].build(
        {"height": 200, "width": 200, "channels": 1, "neurons": 10000, "kernel": 3, "filters": 64}
    )
    assert p.part("dense").answer == 400_010_000
    assert p.part("dense").mistakes[0].value == 400_000_000
    assert p.part("conv").answer == 3 * 3 * 64 + 64


def test_concept_bank_shuffles_options_and_keys_the_right_letter():
    from exercises.concept import BANK, BY_ID

    assert len(BANK) >= 12
    assert any(q.true_false for q in BANK) and any(not q.true_false for q in BANK)
    orders = set()
    for s in range(60):
        p = CATALOGUE["concept"].generate(np.random.default_rng(s))
        q = BY_ID[p.params["question"]]
        part = p.part("answer")
        assert part.kind is Kind.CHOICE
        assert sorted(part.choices) == sorted(q.options)
        letter = str(part.answer)
        assert part.choices["ABCDEFGH".index(letter)] == q.options[q.correct]
        if q.id == "activation-purpose":
            orders.add(tuple(p.params["order"]))
    assert len(orders) >= 2, "options should be shuffled per variant"


@pytest.mark.parametrize(
    ("exercise", "params", "needle"),
    [
        ("neuron_backprop", {"x": "a", "y": 1, "w": 1, "b": 0, "lr": 0.1}, "'x'"),
        ("neuron_backprop", {"x": 1, "y": 1, "w": 1, "b": 0, "lr": -1}, "'lr'"),
        ("neuron_backprop", {"x": 1, "y": 1, "w": 1, "b": 0}, "'lr'"),
        ("neuron_backprop", {"x": 1, "y": 1, "w": 1, "b": 0, "lr": 0.1, "eta": 1}, "'eta'"),
        ("conv_feature_map", {"image": [[1, 2], [3]], "kernel": [[1]]}, "'image'"),
        ("conv_feature_map", {"image": [[1, 2]], "kernel": [[1, 1, 1]]}, "'kernel'"),
        ("conv_feature_map", {"image": [[1, 2]], "kernel": [[1]], "stride": 0}, "'stride'"),
        ("conv_feature_map", {"image": [[1, 2]], "kernel": [[1]], "padding": 1.5}, "'padding'"),
        ("mlp_forward", {"X": [[1, 2]], "weights": [[[1], [2], [3]]]}, "rows"),
        ("mlp_forward", {"X": [[1, 2]], "weights": [[[1], [2]]], "activation": "tanh"}, "'activation'"),
        ("mlp_forward", {"X": [[1, 2]], "weights": [[[1], [2]]], "augment": [1]}, "'augment[0]'"),
        ("mlp_forward", {"X": [[1, float("nan")]], "weights": [[[1], [2]]]}, "'X[0][1]'"),
        ("sigmoid_derivative", {"a": 1, "beta": 0}, "'beta'"),
        ("conv_output_size", {"n": 3, "k": 5}, "'k'"),
        ("concept", {"question": "nope"}, "'question'"),
        ("concept", {"question": "cnn-dense", "order": [1, 0]}, "'order'"),
    ],
)  # fmt: skip
def test_pinned_parameters_are_validated_with_a_clear_error(exercise, params, needle):
    with pytest.raises(ValueError, match=exercise) as info:
        CATALOGUE[exercise].build(params)
    assert needle in str(info.value)
    drawn_would_fix = exercise == "conv_output_size" or ("lr" not in params and "x" in params)
    if not drawn_would_fix:  # generate validates what is pinned as well
        with pytest.raises(ValueError, match=exercise):
            CATALOGUE[exercise].generate(np.random.default_rng(0), params)


def test_partly_pinned_parameters_are_kept():
    p = CATALOGUE["neuron_backprop"].generate(np.random.default_rng(3), {"x": 0.5, "lr": 0.1})
    assert p.params["x"] == 0.5 and p.params["lr"] == 0.1
    p = CATALOGUE["mlp_forward"].generate(
        np.random.default_rng(3),
        {"X": [[1, 0.5]], "weights": [[[0.1, 0.2], [0.3, 0.4]], [[1], [2], [3]]], "beta": 2},
    )
    assert p.params["beta"] == 2 and p.params["augment"] == [False, True]


def test_importing_the_catalogue_does_not_import_sympy():
    import subprocess
    import sys

    code = "import sys, exercises, numpy as np; from grader.topics import CATALOGUE; "
    code += "[e.generate(np.random.default_rng(0)) for e in CATALOGUE.values()]; "
    code += "print('sympy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
