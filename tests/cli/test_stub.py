"""`grader stub`: the starter file has every function, exactly as the API names them."""

from __future__ import annotations

import ast
import importlib.util
import inspect

import numpy as np
import pytest
from click.testing import CliRunner

import reference
from grader.cli import main
from grader.topics import CODE_FUNCTIONS

# The student code API's signatures, as the product contract writes them.
SIGNATURES = {
    "sigmoid": "(a, beta=1.0)",
    "sigmoid_derivative": "(a, beta=1.0)",
    "relu": "(a)",
    "relu_derivative": "(a)",
    "neuron_output": "(x, w, b=0.0, activation='sigmoid', beta=1.0)",
    "sse_loss": "(y_hat, y)",
    "neuron_gradients": "(x, y, w, b)",
    "gradient_descent_step": "(param, grad, lr)",
    "mlp_forward": "(x, weights, biases, activation='sigmoid')",
    "mlp_gradients": "(x, y, weights, biases, activation='sigmoid')",
    "predict": "(x, weights, biases, activation='sigmoid')",
    "conv2d": "(image, kernel, stride=1, padding=0)",
    "conv_output_size": "(n, k, stride=1, padding=0)",
    "dense_param_count": "(n_in, n_out, bias=True)",
    "conv_param_count": "(kernel_size, c_in, c_out, bias=True)",
    "softmax": "(z)",
    "cross_entropy": "(p, y)",
    "max_pool2d": "(image, size, stride=None)",
    "avg_pool2d": "(image, size, stride=None)",
    "cnn_param_count": "(input_shape, layers)",
    "conv2d_multichannel": "(x, w, b, stride=1, padding=0)",
}


@pytest.fixture
def stub_module(tmp_path, api_assignment):
    path = tmp_path / "starter.py"
    result = CliRunner().invoke(
        main, ["stub", "-o", str(path), "--assignment", str(api_assignment)]
    )
    assert result.exit_code == 0, result.output
    spec = importlib.util.spec_from_file_location("starter", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # our own generated file, not a submission
    return path, module


def test_stub_defines_every_function_with_its_exact_signature(stub_module):
    _, module = stub_module
    assert set(SIGNATURES) == set(CODE_FUNCTIONS)
    for name in CODE_FUNCTIONS:
        fn = getattr(module, name)
        assert str(inspect.signature(fn)) == SIGNATURES[name], name
        doc = inspect.getdoc(fn)
        assert "Parameters" in doc and "Returns" in doc and ">>>" in doc, name


def test_every_stub_function_raises_not_implemented(stub_module):
    _, module = stub_module
    for name in CODE_FUNCTIONS:
        params = inspect.signature(getattr(module, name)).parameters
        args = [0] * sum(p.default is inspect.Parameter.empty for p in params.values())
        with pytest.raises(NotImplementedError):
            getattr(module, name)(*args)


def _examples(doc: str):
    lines = doc.splitlines()
    for i, line in enumerate(lines):
        if line.strip().startswith(">>> "):
            call = ast.parse(line.strip()[4:].split("#")[0], mode="eval").body
            assert isinstance(call, ast.Call)
            args = [ast.literal_eval(a) for a in call.args]
            kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
            yield call.func.id, args, kwargs, ast.literal_eval(lines[i + 1].strip())


def test_docstring_examples_are_right(stub_module):
    _, module = stub_module
    seen = 0
    for name in CODE_FUNCTIONS:
        for fn, args, kwargs, shown in _examples(inspect.getdoc(getattr(module, name))):
            assert fn == name
            value = getattr(reference, fn)(*args, **kwargs)
            flat = np.concatenate([np.ravel(np.asarray(v, dtype=float)) for v in _leaves(value)])
            want = np.concatenate([np.ravel(np.asarray(v, dtype=float)) for v in _leaves(shown)])
            assert np.allclose(flat, want, rtol=1e-9, atol=1e-12), (name, value, shown)
            seen += 1
    assert seen >= len(CODE_FUNCTIONS)


def _leaves(v):
    if isinstance(v, (list, tuple)) and v and isinstance(v[0], (list, tuple, np.ndarray)):
        for x in v:
            yield from _leaves(x)
    else:
        yield v


def test_stub_prints_to_stdout_and_refuses_to_overwrite(tmp_path):
    runner = CliRunner()
    printed = runner.invoke(main, ["stub"])
    assert (
        printed.exit_code == 0
        and "def conv2d(image, kernel, stride=1, padding=0):" in printed.output
    )
    path = tmp_path / "mine.py"
    path.write_text("my work")
    refused = runner.invoke(main, ["stub", "-o", str(path)])
    assert refused.exit_code == 2 and "already exists" in refused.output
    assert path.read_text() == "my work"
    forced = runner.invoke(main, ["stub", "-o", str(path), "--force"])
    assert forced.exit_code == 0 and "def sigmoid" in path.read_text()


def test_stub_follows_the_assignment(tmp_path):
    spec = tmp_path / "course.toml"
    spec.write_text(
        'name = "conv-only"\ntitle = "Convolutions"\n'
        '[[code]]\nfunction = "conv_output_size"\n[[code]]\nfunction = "conv2d"\n'
    )
    result = CliRunner().invoke(main, ["stub", "--assignment", str(spec)])
    assert result.exit_code == 0
    defined = [n.name for n in ast.parse(result.output).body if isinstance(n, ast.FunctionDef)]
    assert defined == ["conv2d", "conv_output_size"]
    assert "Convolutions" in result.output


def test_stub_checked_is_all_not_attempted(stub_module, api_assignment):
    path, _ = stub_module
    result = CliRunner().invoke(main, ["check", str(path), "--assignment", str(api_assignment)])
    assert result.exit_code == 1
    n = len(CODE_FUNCTIONS)  # 1 point each
    assert result.output.count("not attempted") == n + 1  # + summary
    assert f"Score: 0/{n} (0 passed, {n} not attempted)" in result.output
