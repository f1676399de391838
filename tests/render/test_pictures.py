"""Pictures: grids and networks as SVG and TikZ, in the problems of every document format.

The SVG is parsed as XML and read back: its cells, numbers, marked window, nodes and edges are
compared with the arrays they draw, computed independently here.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from click.testing import CliRunner
from scipy.signal import correlate2d

from grader import pictures, render
from grader.cli import main
from grader.topics import CATALOGUE, pictures_of

SVG = "{http://www.w3.org/2000/svg}"
HAS_TEX = shutil.which("pdflatex") is not None
IMAGE = [[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]]
KERNEL = [[1, 0, 1], [0, 1, 0], [1, 0, 1]]


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert all(el.tag != f"{SVG}script" for el in root.iter())
    assert "href" not in svg and "<image" not in svg and " id=" not in svg
    return root


def cells(root: ET.Element, cls: str = "cell") -> list[ET.Element]:
    return [el for el in root.iter(f"{SVG}rect") if el.get("class") == cls]


def box(el: ET.Element) -> tuple[float, float, float, float]:
    x, y = float(el.get("x", 0)), float(el.get("y", 0))
    return x, y, x + float(el.get("width", 0)), float(el.get("height", 0)) + y


def inside(inner: ET.Element, outer: ET.Element) -> bool:
    a, b = box(inner), box(outer)
    return a[0] >= b[0] and a[1] >= b[1] and a[2] <= b[2] and a[3] <= b[3]


def texts_at(root: ET.Element, rect: ET.Element) -> list[str]:
    x0, y0, x1, y1 = box(rect)
    return [
        t.text or ""
        for t in root.iter(f"{SVG}text")
        if x0 < float(t.get("x", -1)) < x1 and y0 < float(t.get("y", -1)) < y1
    ]


def luminance(hex_colour: str) -> float:
    """WCAG relative luminance of ``#rrggbb``."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


# --- grids ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "matrix",
    [IMAGE, [[-1.5, 0.25, 3]], [[7]], [[0.125, -2], [1e3, 0], [4, 4]]],
)
def test_a_grid_has_one_cell_per_entry_with_its_number(matrix):
    root = parse(pictures.svg(pictures.grid(matrix, title="M")))
    found = cells(root)
    assert len(found) == np.size(matrix)
    for rect in found:
        r, c = int(rect.get("data-row", -1)), int(rect.get("data-col", -1))
        (shown,) = texts_at(root, rect)
        assert float(shown.replace("−", "-")) == pytest.approx(matrix[r][c], abs=5e-4)
    assert not cells(root, "pad") and not cells(root, "window")


def test_larger_values_are_darker_and_every_number_is_readable_on_its_cell():
    matrix = [[-3, -1, 0, 0.5], [1, 2, 2.5, 9]]
    root = parse(pictures.svg(pictures.grid(matrix, title="M")))
    order = sorted(cells(root), key=lambda el: matrix[int(el.get("data-row", 0))][int(el.get("data-col", 0))])  # fmt: skip
    shades = [luminance(el.get("fill", "")) for el in order]
    assert shades == sorted(shades, reverse=True) and shades[0] > shades[-1]
    for rect in order:
        x0, y0, x1, y1 = box(rect)
        (ink,) = [
            t.get("fill", "")
            for t in root.iter(f"{SVG}text")
            if x0 < float(t.get("x", -1)) < x1 and y0 < float(t.get("y", -1)) < y1
        ]
        assert contrast(ink, rect.get("fill", "")) >= 4.5, (rect.get("fill"), ink)


@pytest.mark.parametrize(
    ("shape", "kernel", "stride", "padding"),
    [
        ((5, 5), (3, 3), 1, 0),
        ((4, 6), (2, 3), 2, 1),
        ((3, 3), (3, 2), 1, 2),
        ((6, 4), (2, 2), 3, 0),
    ],
)
def test_the_conv_statement_outlines_the_window_of_the_first_output(shape, kernel, stride, padding):
    rng = np.random.default_rng(sum(shape) + stride)
    image = rng.integers(0, 3, size=shape).astype(float).tolist()
    k = rng.integers(-1, 3, size=kernel).astype(float).tolist()
    params = {"image": image, "kernel": k, "stride": stride, "padding": padding}
    problem = CATALOGUE["conv_feature_map"].build(params)
    image_pic, kernel_pic = pictures.conv_statement(problem.params)
    root = parse(pictures.svg(image_pic.drawing))
    h, w = shape
    assert len(cells(root)) == h * w
    assert len(cells(root, "pad")) == (h + 2 * padding) * (w + 2 * padding) - h * w
    (window,) = cells(root, "window")
    under = {
        (int(el.get("data-row", 0)), int(el.get("data-col", 0)))
        for el in cells(root)
        if inside(el, window)
    }
    expected = {
        (r - padding, c - padding)
        for r in range(kernel[0])
        for c in range(kernel[1])
        if padding <= r < h + padding and padding <= c < w + padding
    }
    assert under == expected
    pads_under = [el for el in cells(root, "pad") if inside(el, window)]
    assert len(pads_under) == kernel[0] * kernel[1] - len(expected)
    # the window is exactly kernel-sized: no cell outside it is half covered
    cell = cells(root)[0]
    cw, ch = box(cell)[2] - box(cell)[0], box(cell)[3] - box(cell)[1]
    x0, y0, x1, y1 = box(window)
    assert (round((x1 - x0) / cw), round((y1 - y0) / ch)) == (kernel[1], kernel[0])
    kroot = parse(pictures.svg(kernel_pic.drawing))
    assert len(cells(kroot)) == kernel[0] * kernel[1] and not cells(kroot, "window")
    assert str(stride) in image_pic.caption


def test_the_worked_feature_map_is_the_cross_correlation_with_its_first_output_marked():
    params = {"image": IMAGE, "kernel": KERNEL, "stride": 1, "padding": 0}
    (fmap_pic,) = pictures.conv_solution(params)
    root = parse(pictures.svg(fmap_pic.drawing))
    expected = correlate2d(np.array(IMAGE), np.array(KERNEL), mode="valid")  # the notes' map
    assert expected.tolist() == [[4, 3, 4], [2, 4, 3], [2, 3, 4]]
    got = np.zeros_like(expected)
    for rect in cells(root):
        (shown,) = texts_at(root, rect)
        got[int(rect.get("data-row", 0)), int(rect.get("data-col", 0))] = int(shown)
    assert (got == expected).all()
    (window,) = cells(root, "window")
    (first,) = [el for el in cells(root) if inside(el, window)]
    assert (first.get("data-row"), first.get("data-col")) == ("0", "0")
    assert "4" in fmap_pic.caption


def test_a_window_that_does_not_fit_and_a_ragged_matrix_are_refused():
    with pytest.raises(ValueError, match="does not fit a 2x2 grid"):
        pictures.grid([[1, 2], [3, 4]], title="M", window=(1, 1, 3, 1))
    with pytest.raises(ValueError, match="does not fit a 4x4 grid"):
        pictures.grid([[1, 2], [3, 4]], title="M", window=(2, 2, 3, 1), padding=1)
    with pytest.raises(ValueError, match="rows of equal length"):
        pictures.grid([[1, 2], [3]], title="M")
    with pytest.raises(ValueError, match="does not fit"):
        pictures.grid([[1]], title="M", window=(0, 0, 1, 0))


def test_text_in_a_picture_is_escaped():
    svg = pictures.svg(pictures.grid([[1]], title='<script>alert("x")</script> & co'))
    root = parse(svg)
    assert "<script" not in svg
    assert root.findtext(f"{SVG}title") == '<script>alert("x")</script> & co'


def test_wide_numbers_widen_the_cells_so_that_they_do_not_overlap():
    narrow = pictures.grid([[1, 2]], title="M")
    wide = pictures.grid([[-0.125, 12.5]], title="M")
    assert wide.width > narrow.width
    width = (wide.width - 2) / 2
    assert width >= 8 * len("−0.125")


# --- networks ------------------------------------------------------------------------------


def nodes(root: ET.Element) -> dict[int, list[ET.Element]]:
    by_layer: dict[int, list[ET.Element]] = {}
    for el in root.iter():
        if (el.get("class") or "").startswith("node"):
            by_layer.setdefault(int(el.get("data-layer", -1)), []).append(el)
    return by_layer


def edges(root: ET.Element) -> dict[int, int]:
    count: dict[int, int] = {}
    for el in root.iter(f"{SVG}line"):
        layer = int(el.get("data-layer", -1))
        count[layer] = count.get(layer, 0) + 1
    return count


def labels(root: ET.Element, cls: str) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text") if t.get("class") == cls]


@pytest.mark.parametrize(
    ("X", "shapes", "augment", "inputs", "ones"),
    [
        # X holds its column of ones (the course's way): 2 features, a "1" on the inputs
        ([[1, 0.5, 2], [1, 1, 0]], [(3, 2), (3, 1)], [False, True], 2, [True, True]),
        # the first layer adds the ones itself
        ([[0.5, 2]], [(3, 4), (5, 2)], [True, True], 2, [True, True]),
        # no ones at all: plain inputs, three layers
        ([[0.5, 2, 3]], [(3, 2), (2, 2), (3, 3)], [False, False, True], 3, [False, False, True]),
    ],
)
def test_the_network_has_a_node_per_neuron_an_edge_per_weight_and_the_weights_named(
    X, shapes, augment, inputs, ones
):
    rng = np.random.default_rng(1)
    weights = [np.round(rng.uniform(-1, 1, size=s), 1).tolist() for s in shapes]
    params = {"X": X, "weights": weights, "augment": augment}
    problem = CATALOGUE["mlp_forward"].build(params)
    (pic,) = pictures.network_statement(problem.params)
    root = parse(pictures.svg(pic.drawing))
    by_layer = nodes(root)
    assert len(by_layer[0]) == inputs + ones[0]
    for layer, (rows, cols) in enumerate(shapes, start=1):
        has_one = layer < len(shapes) and ones[layer]
        assert len(by_layer[layer]) == cols + has_one
        assert len(by_layer[layer - 1]) == rows  # W's rows: one per node feeding the layer
        assert edges(root)[layer] == rows * cols
    squares = {
        int(el.get("data-layer", -1)) for el in root.iter() if el.get("class") == "node bias"
    }
    assert squares == {k for k, one in enumerate(ones) if one}
    sub = "₀₁₂₃₄₅₆₇₈₉"
    assert labels(root, "weights") == [
        f"W{sub[k + 1]} ({r}×{c})" for k, (r, c) in enumerate(shapes)
    ]
    tips = [t.text for line in root.iter(f"{SVG}line") for t in line.iter(f"{SVG}title")]
    assert f"W₁[{shapes[0][0]}, {shapes[0][1]}]" in tips and "W₁[1, 1]" in tips


def test_a_network_too_wide_to_read_is_not_drawn():
    X = [[1.0] + [0.5] * 20]
    weights = [[[0.1]] * 21, [[0.2], [0.3]]]
    problem = CATALOGUE["mlp_forward"].build({"X": X, "weights": weights, "augment": [False, True]})
    assert pictures.network_statement(problem.params) == []


def test_network_arguments_are_checked():
    with pytest.raises(ValueError, match="one bias per layer"):
        pictures.network([2, 1], bias=[True, True], title="N")
    with pytest.raises(ValueError, match="one name per input"):
        pictures.network([2, 1], bias=[True], title="N", input_names=["a"])


# --- TikZ ----------------------------------------------------------------------------------


def test_tikz_draws_the_same_shapes_and_fits_the_page():
    drawing = pictures.grid(IMAGE, title="I", window=(0, 0, 3, 3), padding=1)
    tex = pictures.tikz(drawing)
    assert tex.startswith("\\begin{tikzpicture}") and tex.endswith("\\end{tikzpicture}")
    assert tex.count("rectangle") == 7 * 7 + 1  # cells, padding, the window
    assert tex.count(",dashed]") == 7 * 7 - 25
    numbers = re.findall(r"\$(-?[\d.]+)\$\}", tex)
    assert sorted(map(float, numbers)) == sorted(float(v) for row in IMAGE for v in row)
    big = pictures.grid(np.ones((16, 16)).tolist(), title="I", padding=16)
    unit = float(re.search(r"x=([\d.]+)cm", pictures.tikz(big)).group(1))  # type: ignore[union-attr]
    assert unit * big.width <= pictures.TIKZ_WIDTH + 1e-6


def test_network_tikz_names_the_weights_in_maths():
    drawing = pictures.network([2, 3, 1], bias=[True, True], title="N")
    tex = pictures.tikz(drawing)
    assert "$W_{1}$ ($3\\times 3$)" in tex and "$W_{2}$ ($4\\times 1$)" in tex
    assert "$x_{1}$" in tex and "₁" not in tex


# --- in the documents ----------------------------------------------------------------------

CONV = ["conv_feature_map", "--set", "padding=1", "--set", "stride=2", "--seed", "1"]


def show(*args: str):
    return CliRunner().invoke(main, ["show", *args])


def svgs(html: str) -> list[ET.Element]:
    return [parse(s) for s in re.findall(r"<svg\b.*?</svg>", html, flags=re.S)]


def test_show_html_draws_the_image_the_kernel_and_the_worked_feature_map():
    result = show(*CONV, "--format", "html")
    assert result.exit_code == 0, result.output
    image, kernel, fmap = svgs(result.output)
    problem = CATALOGUE["conv_feature_map"].generate(np.random.default_rng(1), {"padding": 1, "stride": 2})  # fmt: skip
    assert len(cells(image)) == np.size(problem.params["image"])
    assert len(cells(kernel)) == np.size(problem.params["kernel"])
    assert len(cells(fmap)) == np.size(problem.part("feature_map").answer)
    assert "figure.picture" in result.output  # the pictures' style is in the page


@pytest.mark.parametrize("exercise", ["mlp_forward", "mlp_backprop"])
def test_show_html_draws_the_network(exercise):
    result = show(exercise, "--format", "html")
    assert result.exit_code == 0, result.output
    (net,) = svgs(result.output)
    assert labels(net, "weights")[0].startswith("W₁ (")


@pytest.mark.parametrize("fmt", ["text", "md", "json"])
def test_text_markdown_and_json_have_no_pictures(fmt):
    result = show(*CONV, "--format", fmt)
    assert result.exit_code == 0, result.output
    assert "<svg" not in result.output and "tikz" not in result.output


def test_documents_without_pictured_problems_load_nothing_for_them():
    result = show("neuron_backprop", "--format", "html")
    assert "<svg" not in result.output and "figure.picture" not in result.output
    result = show("neuron_backprop", "--format", "tex")
    assert "tikz" not in result.output


def test_show_html_in_a_subprocess():
    run = subprocess.run(
        [sys.executable, "-m", "grader", "show", *CONV, "--format", "html"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert len(svgs(run.stdout)) == 3


def test_generated_problems_show_the_givens_and_the_solutions_the_answers(tmp_path):
    out = tmp_path / "sets"
    result = CliRunner().invoke(
        main, ["generate", "--assignment", "nn-quiz", "--out", str(out), "--format", "md,html,tex"]
    )
    assert result.exit_code == 0, result.output
    folder = out / "default"
    problems = (folder / "problems.html").read_text(encoding="utf-8")
    solutions = (folder / "solutions.html").read_text(encoding="utf-8")
    # nn-quiz: two networks and two feature maps (image and kernel each)
    assert len(svgs(problems)) == 2 + 2 * 2
    assert len(svgs(solutions)) == 2 + 2 * 3
    feature_maps = [s for s in svgs(solutions) if s.findtext(f"{SVG}title", "").startswith("Feature map")]  # fmt: skip
    assert len(feature_maps) == 2
    assert "<title>Feature map" not in problems  # the answer stays in the solutions
    assert (folder / "problems.tex").read_text(encoding="utf-8").count("\\begin{tikzpicture}") == 6
    assert "\\usepackage{tikz}" in (folder / "solutions.tex").read_text(encoding="utf-8")
    assert "<svg" not in (folder / "problems.md").read_text(encoding="utf-8")


@pytest.mark.skipif(not HAS_TEX or not shutil.which("pdftoppm"), reason="needs pdflatex, pdftoppm")
def test_the_pdf_with_pictures_compiles_and_renders(tmp_path):
    out = tmp_path / "sets"
    result = CliRunner().invoke(
        main, ["generate", "--assignment", "nn-quiz", "--out", str(out), "--format", "pdf"]
    )
    assert result.exit_code == 0, result.output
    pdf = out / "default" / "solutions.pdf"
    run = subprocess.run(
        ["pdftoppm", "-png", "-r", "40", str(pdf), str(tmp_path / "page")],
        capture_output=True, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages and all(p.read_bytes().startswith(b"\x89PNG") for p in pages)
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        flat = " ".join(text.split())
        assert "the window of the first output is outlined" in flat
        assert "kernel K (" in flat and "input X" in flat
        assert "output F(X)" in flat.replace("F (X)", "F(X)")


def test_problem_views_of_every_pictured_exercise_render_in_html_and_tex():
    pictured = [e for e in CATALOGUE if pictures_of(e) is not None]
    assert set(pictured) == {"conv_feature_map", "mlp_forward", "mlp_backprop"}
    for exercise in pictured:
        for seed in range(5):
            problem = CATALOGUE[exercise].generate(np.random.default_rng(seed))
            html = render.render_show(problem, "html")
            assert svgs(html)
            assert "\\begin{tikzpicture}" in render.render_show(problem, "tex")


def test_a_topic_may_picture_only_its_own_exercises():
    from grader import topics

    conv, quiz = next((t, q) for t, q in topics.quizzes() if t.id == "conv")
    stray = dataclasses.replace(quiz, pictures={"mlp_forward": pictures.Pictures(pictures.network_statement)})  # fmt: skip
    with pytest.raises(ValueError, match="pictures of 'mlp_forward', not one of its exercises"):
        topics._check_pictures(conv, stray)
    topics._check_pictures(conv, quiz)  # as declared, it passes
