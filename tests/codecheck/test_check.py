"""Real submission files through check_file: scores, not-attempted, diagnosis, load errors."""

from pathlib import Path

import pytest

from grader.assignment import load_assignment, parse_assignment
from grader.codecheck import check_file
from grader.topics import CODE_FUNCTIONS

from .conftest import CORRECT, NAIVE, SUBMISSIONS

MISTAKES = sorted((SUBMISSIONS / "mistakes").glob("*.py"))
# misconception id -> the one function its file breaks
BROKEN = {
    "conv-flipped-kernel": "conv2d",
    "conv-padding-ignored": "conv2d",
    "conv-stride-ignored": "conv2d",
    "conv-size-off-by-one": "conv_output_size",
    "gd-wrong-sign": "gradient_descent_step",
    "loss-missing-half": "sse_loss",
    "grad-wrong-sign": "neuron_gradients",
    "grad-missing-activation-derivative": "neuron_gradients",
    "sigmoid-derivative-missing-beta": "sigmoid_derivative",
    "param-count-missing-bias": "dense_param_count",
    "predict-one-based": "predict",
    "mlp-missing-bias": "mlp_forward",
    "transposed-weights": "mlp_forward",
}


def failing(report):
    return {t.name: t for t in report.tests if t.status != "passed"}


def test_correct_solution_gets_full_score(server, api_assignment):
    report = check_file(CORRECT, api_assignment, server=server, timeout=2)
    assert [t.name for t in report.tests] == list(CODE_FUNCTIONS)
    assert report.passed and report.score == report.max_score == len(CODE_FUNCTIONS)
    assert all(t.attempted for t in report.tests)
    report = check_file(CORRECT, server=server, timeout=2)
    assert (
        report.passed and report.score == report.max_score == load_assignment("nn-code").max_score
    )


@pytest.mark.parametrize("seed", [None, 1, 2024])
def test_naive_loops_and_lists_pass_public_and_hidden_tests(server, seed):
    report = check_file(NAIVE, server=server, seed=seed, timeout=2)
    assert failing(report) == {}, {k: v.output for k, v in failing(report).items()}


@pytest.mark.parametrize("seed", [None, 14, 2024])
def test_float32_arithmetic_passes(server, tmp_path, seed):
    # "Outputs may be arrays of any float dtype": a solution computing in float32 throughout
    # loses digits to cancellation (1 - sigmoid near 1, gradients summed over samples) and was
    # failed for it (0.00739940 for 0.00739953).
    text = CORRECT.read_text().replace("dtype=float)", "dtype=np.float32)")
    text = text.replace("np.zeros((oh, ow))", "np.zeros((oh, ow), dtype=np.float32)")
    assert text.count("float32") > 15
    path = tmp_path / "single.py"
    path.write_text(text)
    report = check_file(path, server=server, seed=seed, timeout=2)
    assert failing(report) == {}, {k: v.output for k, v in failing(report).items()}


def test_points_come_from_the_assignment(server, tmp_path):
    text = '[[code]]\nfunction = "relu"\npoints = 5\n[[code]]\nfunction = "conv2d"\npoints = 2.5\n'
    spec = parse_assignment('name = "mini"\n' + text)
    report = check_file(CORRECT, spec, server=server, timeout=2)
    assert [(t.name, t.score, t.max_score) for t in report.tests] == [
        ("relu", 5, 5),
        ("conv2d", 2.5, 2.5),
    ]


def test_every_spec_misconception_has_a_submission():
    assert {p.stem for p in MISTAKES} == set(BROKEN)


@pytest.mark.parametrize("path", MISTAKES, ids=lambda p: p.stem)
def test_each_mistake_fails_exactly_its_function_and_is_named(server, submission, path):
    report = check_file(submission(path.read_text()), server=server, timeout=2)
    bad = failing(report)
    assert set(bad) == {BROKEN[path.stem]}, {k: v.output for k, v in bad.items()}
    test = bad[BROKEN[path.stem]]
    assert test.tags[0] == path.stem
    assert "Likely mistake" in test.output
    assert test.score == 0 and test.attempted


MORE = sorted((SUBMISSIONS / "mistakes_more").glob("*.py"))


@pytest.mark.parametrize("path", MORE, ids=lambda p: p.stem)
def test_more_mistakes_in_other_functions(server, submission, path):
    function, tag = path.stem.split("__")
    report = check_file(submission(path.read_text()), server=server, timeout=2)
    bad = failing(report)
    assert set(bad) == {function}
    assert bad[function].tags[:1] == (tag,), bad[function].output


def test_missing_and_not_implemented_functions_are_not_attempted(server, submission):
    path = submission("del conv2d\n\ndef relu(a):\n    raise NotImplementedError\n")
    report = check_file(path, server=server, timeout=2)
    bad = failing(report)
    # everything that calls relu fails too, but tries
    assert set(bad) == {
        "conv2d",
        "relu",
        "neuron_output",
        "mlp_forward",
        "mlp_gradients",
        "predict",
    }
    for name in ("conv2d", "relu"):
        assert not bad[name].attempted and bad[name].score == 0
        assert "not attempted" in bad[name].output
    # the functions that call relu did try, and say why they failed
    assert bad["mlp_forward"].attempted and "NotImplementedError" in bad["mlp_forward"].output


def test_an_empty_file_attempts_nothing(server, tmp_path):
    path = tmp_path / "empty.py"
    path.write_text("")
    report = check_file(path, server=server, timeout=2)
    assert report.score == 0 and not any(t.attempted for t in report.tests)


def test_syntax_error_names_file_line_and_message(server, tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("import numpy as np\n\ndef sigmoid(a:\n    return a\n")
    report = check_file(path, server=server, timeout=2)
    assert report.score == 0
    assert report.output.startswith(f"{path}:3: SyntaxError")
    tests = {t.name: t for t in report.tests}
    assert tests["sigmoid"].output == "not run (the file did not load)"
    assert tests["sigmoid"].attempted  # written, but not run
    assert all(not t.attempted for n, t in tests.items() if n != "sigmoid")
    # the structured signal batch grading reads: the reason, as the output's first line
    assert report.load_error == report.output.splitlines()[0]
    assert report.to_json()["error"] == {"kind": "load", "message": report.load_error}


def test_a_file_that_loads_carries_no_load_error(server, tmp_path):
    path = tmp_path / "raises.py"
    path.write_text("def sigmoid(a, beta=1.0):\n    raise ValueError('could not be loaded')\n")
    report = check_file(path, server=server, timeout=2)
    assert report.score == 0 and report.load_error is None
    assert "error" not in report.to_json()


def test_error_while_loading_is_reported_with_its_line(server, tmp_path):
    path = tmp_path / "boom.py"
    path.write_text("x = 1\nraise ValueError('boom at import')\n")
    report = check_file(path, server=server, timeout=2)
    assert f"{path}:2:" in report.output and "boom at import" in report.output


def test_exceptions_name_their_line(server, submission):
    path = submission("def sse_loss(y_hat, y):\n    return 1 / 0\n")
    report = check_file(path, server=server, timeout=2)
    out = failing(report)["sse_loss"].output
    lines = path.read_text().splitlines()
    assert f"ZeroDivisionError: division by zero (line {len(lines)})" in out


def test_finite_differences_blame_the_forward_pass(server, submission):
    # mlp_gradients is consistent with a forward pass that forgets the biases: the
    # finite-difference note sends the student to mlp_forward.
    extra = (SUBMISSIONS / "mistakes" / "mlp-missing-bias.py").read_text() + (
        "\n\ndef mlp_gradients(x, y, weights, biases, activation='sigmoid'):\n"
        "    zeros = [np.zeros_like(np.asarray(b, dtype=float)) for b in biases]\n"
        "    gw, gb = _correct_gradients(x, y, weights, zeros, activation)\n"
        "    return gw, [np.zeros_like(g) for g in gb]\n"
    )
    text = CORRECT.read_text().replace("def mlp_gradients(", "def _correct_gradients(")
    path = Path(submission("")).with_name("fd.py")
    path.write_text(text + "\n\n" + extra)
    report = check_file(path, server=server, timeout=2)
    out = failing(report)["mlp_gradients"].output
    assert "agree with finite differences of your own mlp_forward" in out


def test_sigmoid_overflow_gets_a_hint(server, submission):
    path = submission(
        "def sigmoid(a, beta=1.0):\n    return 1 / (1 + np.exp(-beta * np.asarray(a, dtype=float)))\n"
    )
    report = check_file(path, server=server, timeout=2)
    # numpy's overflow gives 0 or 1 here: finite and right. A math.exp version is not.
    assert "sigmoid" not in failing(report)
    path = submission(
        "import math\n\ndef sigmoid(a, beta=1.0):\n"
        "    if isinstance(a, (int, float)):\n        return 1 / (1 + math.exp(-beta * a))\n"
        "    return 1 / (1 + np.exp(-beta * np.asarray(a, dtype=float)))\n"
    )
    out = failing(check_file(path, server=server, timeout=2))["sigmoid"].output
    assert "OverflowError" in out


def test_sigmoid_ignoring_beta_is_told_what_to_compute(server, submission):
    path = submission(
        "def sigmoid(a, beta=1.0):\n    return 1 / (1 + np.exp(-np.asarray(a, dtype=float)))\n"
    )
    test = failing(check_file(path, server=server, timeout=2))["sigmoid"]
    assert test.tags == ("sigmoid-missing-beta",)
    line = next(ln for ln in test.output.splitlines() if ln.startswith("Likely mistake"))
    # it says what is right, and what the wrong code computes instead
    assert "the sigmoid with slope β is 1/(1 + exp(−β·a)), not 1/(1 + exp(−a))" in line


def test_object_arrays_of_numbers_are_values(server, submission):
    # np.frompyfunc returns object arrays; values, not types, are compared. An object array
    # of anything else is still refused (its elements' __float__ is never called).
    path = submission(
        "relu_derivative = np.frompyfunc(lambda a: 1.0 if a > 0 else 0, 1, 1)\n\n"
        "def conv_output_size(n, k, stride=1, padding=0):\n"
        "    return np.array([(n + 2 * padding - k) // stride + 1], dtype=object)\n\n"
        "class Liar:\n    def __float__(self):\n        return 0.0\n\n"
        "def dense_param_count(n_in, n_out, bias=True):\n"
        "    return np.array([Liar()], dtype=object)\n"
    )
    out = failing(check_file(path, server=server, timeout=2))
    assert set(out) == {"dense_param_count"}
    assert "unsupported type (a Liar)" in out["dense_param_count"].output


def test_returning_the_wrong_type_says_so(server, submission):
    path = submission(
        "def relu(a):\n    return 'zero'\n\ndef conv2d(image, kernel, stride=1, padding=0):\n    return None\n"
    )
    bad = failing(check_file(path, server=server, timeout=2))
    assert "returned an unsupported type (a str)" in bad["relu"].output
    assert "got None" in bad["conv2d"].output


def test_wrong_shape_is_reported_before_values(server, submission):
    path = submission(
        "def conv2d(image, kernel, stride=1, padding=0):\n"
        "    return _conv(image, kernel, stride, padding).T\n"
    )
    text = path.read_text().replace(
        "def conv2d(image, kernel, stride=1, padding=0):\n    img",
        "def _conv(image, kernel, stride=1, padding=0):\n    img",
        1,
    )
    path.write_text(text)
    out = failing(check_file(path, server=server, timeout=2))["conv2d"].output
    assert (
        "image of shape (4, 6), kernel of shape (2, 3)): got shape (4, 3), expected (3, 4)" in out
    )


def test_missing_file_is_an_input_error(server, tmp_path):
    from grader.errors import InputError

    with pytest.raises(InputError, match="no such file"):
        check_file(tmp_path / "nope.py", server=server)


def test_a_function_that_calls_a_stub_is_attempted_not_skipped(server, submission):
    path = submission("def sigmoid(a, beta=1.0):\n    raise NotImplementedError\n")
    bad = failing(check_file(path, server=server, timeout=2))
    assert not bad["sigmoid"].attempted
    # neuron_output passes its relu and linear cases and fails the sigmoid ones
    assert bad["neuron_output"].attempted
    assert "raised NotImplementedError" in bad["neuron_output"].output


def test_values_not_types_through_the_sandbox(server, submission):
    extra = (
        "def relu_derivative(a):\n"
        "    return np.asarray(a) > 0  # booleans\n\n"
        "def sigmoid(a, beta=1.0):\n"
        "    t = np.asarray(beta * np.asarray(a, dtype=np.float64))\n"
        "    e = np.exp(-np.abs(t))\n"
        "    s = np.where(t >= 0, 1 / (1 + e), e / (1 + e)).astype(np.float32)\n"
        "    return s  # float32\n\n"
        "def sse_loss(y_hat, y):\n"
        "    d = np.asarray(y, dtype=float) - np.asarray(y_hat, dtype=float)\n"
        "    return [0.5 * float(np.sum(d * d))]  # a one-element list\n\n"
        "def conv_param_count(kernel_size, c_in, c_out, bias=True):\n"
        "    kh, kw = (kernel_size,) * 2 if isinstance(kernel_size, int) else kernel_size\n"
        "    return np.array([kh * kw * c_in * c_out + (c_out if bias else 0)], dtype=np.int32)\n\n"
        "def conv_output_size(n, k, stride=1, padding=0):\n"
        "    return np.int64((n + 2 * padding - k) // stride + 1)\n\n"
        "def dense_param_count(n_in, n_out, bias=True):\n"
        "    return float(n_in * n_out + (n_out if bias else 0))\n\n"
        "def predict(x, weights, biases, activation='sigmoid'):\n"
        "    return np.argmax(_forward(x, weights, biases, activation), axis=-1).tolist()\n\n"
        "def gradient_descent_step(param, grad, lr):\n"
        "    return np.matrix(np.asarray(param, dtype=float) - lr * np.asarray(grad, dtype=float))"
        ".A.reshape(np.shape(param))\n"
    )
    report = check_file(submission(extra), server=server, timeout=2)
    assert failing(report) == {}, {k: v.output for k, v in failing(report).items()}


TRANSPOSED_WITHOUT_BIAS = """
def mlp_forward(x, weights, biases, activation="sigmoid"):
    h = np.asarray(x, dtype=float)
    for w, act in zip(weights, _layers(activation, len(weights))):
        h = _act(act, h @ np.asarray(w, dtype=float).T)
    return h
"""


def test_two_mistakes_made_together_are_both_named(server, submission):
    report = check_file(submission(TRANSPOSED_WITHOUT_BIAS), server=server, timeout=2)
    bad = failing(report)
    assert set(bad["mlp_forward"].tags) == {"transposed-weights", "mlp-missing-bias"}
    assert bad["mlp_forward"].output.count("Likely mistake") == 2
    # predict runs the same wrong forward pass: its wrong classes are traced to it
    assert set(bad) <= {"mlp_forward", "mlp_gradients", "predict"}
    if "predict" in bad:
        assert "predict-one-based" not in bad["predict"].tags


def test_a_predict_built_on_a_forward_pass_without_bias_names_that_mistake(server, submission):
    wrong_forward = """
def predict(x, weights, biases, activation="sigmoid"):
    zero = [np.zeros_like(np.asarray(b, dtype=float)) for b in biases]
    return np.argmax(mlp_forward(x, weights, zero, activation), axis=-1)
"""
    report = check_file(submission(wrong_forward), server=server, timeout=2)
    bad = failing(report)
    assert set(bad) == {"predict"}
    assert bad["predict"].tags[:1] == ("mlp-missing-bias",), bad["predict"].output


@pytest.mark.parametrize(
    ("code", "function", "hint"),
    [
        ("def relu(a):\n    return max(0, a)\n", "relu", "one number at a time"),
        (
            "import math\ndef sigmoid(a, beta=1.0):\n    return 1 / (1 + math.exp(-beta * a))\n",
            "sigmoid",
            "one number at a time",
        ),
        (
            "import math\ndef sigmoid(a, beta=1.0):\n    return 1 / (1 + math.exp(-beta * a))\n",
            "sigmoid",
            "Large |a| overflows exp",
        ),
        (
            "def sse_loss(y_hat, y):\n"
            "    return 0.5 * np.mean((np.asarray(y) - np.asarray(y_hat)) ** 2)\n",
            "sse_loss",
            "You averaged the loss over the samples",
        ),
        (
            "_correct_gradients = neuron_gradients\n"
            "def neuron_gradients(x, y, w, b):\n"
            "    n = len(x) if np.ndim(x) == 2 else 1\n"
            "    dw, db = _correct_gradients(x, y, w, b)\n"
            "    return np.asarray(dw) / n, db / n\n",
            "neuron_gradients",
            "You averaged the loss over the samples",
        ),
        (
            "_correct_mlp_gradients = mlp_gradients\n"
            "def mlp_gradients(x, y, weights, biases, activation='sigmoid'):\n"
            "    n = len(x) if np.ndim(x) == 2 else 1\n"
            "    gw, gb = _correct_mlp_gradients(x, y, weights, biases, activation)\n"
            "    return [g / n for g in gw], [g / n for g in gb]\n",
            "mlp_gradients",
            "You averaged the loss over the samples",
        ),
        (
            "def neuron_output(x, w, b, activation='sigmoid', beta=1.0):\n"
            "    z = np.asarray(x, dtype=float) @ np.asarray(w, dtype=float) + b\n"
            "    return sigmoid(z, beta) if activation == 'sigmoid' else relu(z)\n",
            "neuron_output",
            "@ (matmul) needs arrays",
        ),
        (
            "def relu(a):\n    return [max(0, v) for v in a]\n",
            "relu",
            "single numbers, lists and arrays of any shape",
        ),
    ],
)
def test_common_slips_get_a_hint(server, submission, code, function, hint):
    report = check_file(submission(code), server=server, timeout=2)
    bad = failing(report)
    assert function in bad
    advice = ("Hint: ", "Likely mistake: ")
    hints = [line for line in bad[function].output.splitlines() if line.startswith(advice)]
    assert any(hint in line for line in hints), bad[function].output


def test_a_sigmoid_derivative_taken_of_its_input_is_named(server, submission):
    code = """
def sigmoid_derivative(a, beta=1.0):
    a = np.asarray(a, dtype=float)
    return beta * a * (1 - a)  # should be beta * s * (1 - s) with s = sigmoid(a, beta)

def neuron_gradients(x, y, w, b):
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    z = x @ w + b
    delta = -(np.asarray(y, dtype=float) - sigmoid(z)) * z * (1 - z)
    return (x.T @ delta if x.ndim == 2 else delta * x), float(np.sum(delta))

def mlp_gradients(x, y, weights, biases, activation="sigmoid"):
    acts = [activation] * len(weights) if isinstance(activation, str) else list(activation)
    h = np.atleast_2d(np.asarray(x, dtype=float))
    inputs, pre = [], []
    for w, b, act in zip(weights, biases, acts):
        inputs.append(h)
        pre.append(h @ np.asarray(w, dtype=float) + np.asarray(b, dtype=float))
        h = sigmoid(pre[-1]) if act == "sigmoid" else relu(pre[-1]) if act == "relu" else pre[-1]
    slope = [z * (1 - z) if a == "sigmoid" else relu_derivative(z) if a == "relu" else 1.0
             for z, a in zip(pre, acts)]
    delta = -(np.asarray(y, dtype=float).reshape(h.shape) - h) * slope[-1]
    gw, gb = [None] * len(weights), [None] * len(weights)
    for k in range(len(weights) - 1, -1, -1):
        gw[k], gb[k] = inputs[k].T @ delta, delta.sum(axis=0)
        if k:
            delta = (delta @ np.asarray(weights[k], dtype=float).T) * slope[k - 1]
    return gw, gb
"""
    report = check_file(submission(code), server=server, timeout=2)
    bad = failing(report)
    for function in ("sigmoid_derivative", "neuron_gradients", "mlp_gradients"):
        assert bad[function].tags == ("sigmoid-derivative-of-input",), bad[function].output
        assert "not z itself" in bad[function].output


def test_a_conv_count_without_the_input_depth_is_named(server, submission):
    code = """
def conv_param_count(kernel_size, c_in, c_out, bias=True):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return kh * kw * c_out + (c_out if bias else 0)  # c_in left out
"""
    report = check_file(submission(code), server=server, timeout=2)
    assert failing(report)["conv_param_count"].tags == ("param-count-missing-depth",)


def test_a_neuron_whose_sigmoid_ignores_beta_is_named(server, submission):
    code = """
def sigmoid(a, beta=1.0):
    a = np.asarray(a, dtype=float)
    out = np.exp(-np.logaddexp(0.0, -a))  # beta never used
    return float(out) if out.ndim == 0 else out

def neuron_output(x, w, b, activation="sigmoid", beta=1.0):
    z = np.dot(np.asarray(x, dtype=float), np.asarray(w, dtype=float)) + b
    return sigmoid(z) if activation == "sigmoid" else relu(z) if activation == "relu" else z
"""
    report = check_file(submission(code), server=server, timeout=2)
    bad = failing(report)
    assert bad["neuron_output"].tags == ("sigmoid-missing-beta",), bad["neuron_output"].output
    assert "it calls your `sigmoid`" in bad["neuron_output"].output


def test_a_loss_without_the_half_is_named_not_called_averaged(server, submission):
    code = "def sse_loss(y_hat, y):\n    return np.sum((np.asarray(y) - np.asarray(y_hat)) ** 2)\n"
    report = check_file(submission(code), server=server, timeout=2)
    test = failing(report)["sse_loss"]
    assert test.tags == ("loss-missing-half",)
    assert "averaged" not in test.output and "one number" not in test.output


def test_a_window_that_ignores_the_stride_is_named_even_with_the_right_size(server, submission):
    code = """
def conv2d(image, kernel, stride=1, padding=0):
    img = np.pad(np.asarray(image, dtype=float), padding)
    k = np.asarray(kernel, dtype=float)
    rows = (img.shape[0] - k.shape[0]) // stride + 1
    cols = (img.shape[1] - k.shape[1]) // stride + 1
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):  # the window should start at (i * stride, j * stride)
            out[i, j] = np.sum(img[i : i + k.shape[0], j : j + k.shape[1]] * k)
    return out
"""
    report = check_file(submission(code), server=server, timeout=2)
    assert failing(report)["conv2d"].tags == ("conv-stride-ignored",)


def test_a_function_under_a_near_miss_name_is_pointed_out(server, tmp_path):
    path = tmp_path / "names.py"
    path.write_text(
        "import numpy as np\n"
        "def Sigmoid(a, beta=1.0):\n    return 1 / (1 + np.exp(-beta * np.asarray(a)))\n"
        "def conv_2d(image, kernel, stride=1, padding=0):\n    return None\n"
        "class Net:\n    def relu(self, a):\n        return a\n"
    )
    report = check_file(path, server=server, timeout=2)
    tests = {t.name: t for t in report.tests}
    assert not tests["sigmoid"].attempted
    assert "your file defines `Sigmoid`" in tests["sigmoid"].output
    assert "your file defines `conv_2d`" in tests["conv2d"].output
    assert tests["relu"].output == "not attempted: not defined in your file"  # a method
    assert tests["mlp_forward"].output == "not attempted: not defined in your file"


def test_the_terminal_shows_the_advice_of_a_test_not_attempted():
    from grader.report_text import render_report
    from grader.results import Report, TestResult

    advice = "your file defines `Sigmoid`: the name must be exactly `sigmoid`"
    report = Report(
        (TestResult("sigmoid", 0, 2, "not attempted: x\n" + advice, attempted=False),), ""
    )
    text = render_report(report)
    assert "not attempted" in text and advice in text and "not attempted: x" not in text


def test_a_network_without_its_output_activation_is_named(server, submission):
    code = """
def mlp_forward(x, weights, biases, activation="sigmoid"):
    h = np.asarray(x, dtype=float)
    acts = _layers(activation, len(weights))
    for i, (w, b, act) in enumerate(zip(weights, biases, acts)):
        z = h @ np.asarray(w, dtype=float) + np.asarray(b, dtype=float)
        h = z if i == len(weights) - 1 else _act(act, z)
    return h
"""
    report = check_file(submission(code), server=server, timeout=2)
    bad = failing(report)
    assert bad["mlp_forward"].tags == ("output-activation-missing",), bad["mlp_forward"].output
    assert "last layer's activation" in bad["mlp_forward"].output


def test_partial_credit_for_code_is_the_assignments_choice(server, submission):
    # relu wrong on negative numbers only: some of its tests pass
    code = "def relu(a):\n    return np.abs(np.asarray(a, dtype=float))\n"
    path = submission(code)
    strict = check_file(path, server=server, timeout=2)
    relu = failing(strict)["relu"]
    assert relu.score == 0
    spec = parse_assignment(
        'name = "p"\n[grading]\ncode_partial = true\n'
        '[[code]]\nfunction = "relu"\npoints = 4\n[[code]]\nfunction = "conv2d"\npoints = 3\n'
    )
    report = check_file(path, spec, server=server, timeout=2)
    tests = {t.name: t for t in report.tests}
    failed, total = (int(w) for w in relu.output.split()[1:4:2])  # "failed F of T tests"
    assert tests["relu"].score == round(4 * (total - failed) / total, 2) > 0
    assert tests["relu"].status == "failed"
    assert f"earns {tests['relu'].score:g} of 4 points" in tests["relu"].output
    assert tests["conv2d"].score == 3 and tests["conv2d"].status == "passed"


def test_calls_are_read_from_the_text_without_running_it(tmp_path):
    from grader.codecheck.check import called_functions

    path = tmp_path / "calls.py"
    path.write_text(
        "import numpy as np\n"
        "def helper(a):\n"
        "    return sigmoid(a)  # relu(a) in a comment is no call\n"
        "def mlp_gradients(x):\n"
        '    """Uses relu(x) in words only."""\n'
        "    def inner(v):\n"
        "        return helper(v)\n"
        "    return np.sigmoid(x), inner(x), 'conv2d(x)'\n"
        "THRESHOLD = relu(0)\n"
        "class Net:\n"
        "    def forward(self):\n"
        "        return predict(1)\n"
        "def sigmoid(a):\n"
        "    return relu(a)\n"
        "def sigmoid(a):\n"  # a later definition replaces the first
        "    return tanh(a)\n"
        "def broken(:\n"
        "    return '''unfinished\n"
    )
    calls = called_functions(path)
    assert calls["helper"] == {"sigmoid"}
    assert calls["mlp_gradients"] == {"helper", "inner"}  # not np.sigmoid, words or strings
    assert calls["sigmoid"] == {"tanh"}
    assert "forward" not in calls and "Net" not in calls
    assert called_functions(tmp_path / "missing.py") == {}


def test_a_function_failing_through_another_failing_one_points_to_it(server, submission):
    # the correct mlp_gradients calls sigmoid_derivative (through a helper): only that is wrong
    code = "def sigmoid_derivative(a, beta=1.0):\n    return np.zeros_like(np.asarray(a, float))\n"
    report = check_file(submission(code), server=server, timeout=2)
    bad = failing(report)
    assert "mlp_gradients" in bad and "sigmoid_derivative" in bad
    hint = "Hint: it calls your `sigmoid_derivative`, which fails its own tests"
    assert hint in bad["mlp_gradients"].output
    assert "it calls your" not in bad["sigmoid_derivative"].output
