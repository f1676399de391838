# ruff: noqa
"""A correct solution a beginner might write: plain loops, lists and the math module."""

import math


def _is_seq(a):
    return hasattr(a, "__len__") and not isinstance(a, str)


def _map(f, a):
    if _is_seq(a) and not (hasattr(a, "ndim") and a.ndim == 0):
        return [_map(f, v) for v in a]
    return f(float(a))


def _sig(t):
    if t >= 0:
        return 1.0 / (1.0 + math.exp(-t))
    e = math.exp(t)
    return e / (1.0 + e)


def sigmoid(a, beta=1.0):
    return _map(lambda v: _sig(beta * v), a)


def sigmoid_derivative(a, beta=1.0):
    return _map(lambda v: beta * _sig(beta * v) * (1.0 - _sig(beta * v)), a)


def relu(a):
    return _map(lambda v: v if v > 0 else 0.0, a)


def relu_derivative(a):
    return _map(lambda v: 1 if v > 0 else 0, a)


def _rows(x):
    """A list of rows and whether x was a single sample."""
    if not _is_seq(x):
        return [[float(x)]], True
    x = [v for v in x]
    if x and _is_seq(x[0]):
        return [[float(v) for v in row] for row in x], False
    return [[float(v) for v in x]], True


def _activate(name, z, beta=1.0):
    if name == "sigmoid":
        return _sig(beta * z)
    if name == "relu":
        return z if z > 0 else 0.0
    return z


def _activate_derivative(name, z, beta=1.0):
    if name == "sigmoid":
        s = _sig(beta * z)
        return beta * s * (1 - s)
    if name == "relu":
        return 1.0 if z > 0 else 0.0
    return 1.0


def neuron_output(x, w, b=0.0, activation="sigmoid", beta=1.0):
    if not _is_seq(w):
        return _map(lambda v: _activate(activation, v * float(w) + b, beta), x)
    rows, single = _rows(x)
    out = []
    for row in rows:
        z = b
        for xi, wi in zip(row, w):
            z += xi * wi
        out.append(_activate(activation, z, beta))
    return out[0] if single else out


def sse_loss(y_hat, y):
    def flat(a):
        if _is_seq(a):
            return [v for item in a for v in flat(item)]
        return [float(a)]

    return 0.5 * sum((t - p) ** 2 for p, t in zip(flat(y_hat), flat(y)))


def neuron_gradients(x, y, w, b):
    if not _is_seq(w):
        xs = x if _is_seq(x) else [x]
        ys = y if _is_seq(y) else [y]
        dw = db = 0.0
        for xi, yi in zip(xs, ys):
            y_hat = _sig(float(xi) * float(w) + b)
            delta = -(float(yi) - y_hat) * y_hat * (1 - y_hat)
            dw += delta * float(xi)
            db += delta
        return dw, db
    rows, single = _rows(x)
    ys = [y] if single else list(y)
    dw = [0.0] * len(w)
    db = 0.0
    for row, yi in zip(rows, ys):
        z = b + sum(xi * wi for xi, wi in zip(row, w))
        y_hat = _sig(z)
        delta = -(float(yi) - y_hat) * y_hat * (1 - y_hat)
        for i, xi in enumerate(row):
            dw[i] += delta * xi
        db += delta
    return dw, db


def gradient_descent_step(param, grad, lr):
    if _is_seq(param):
        return [gradient_descent_step(p, g, lr) for p, g in zip(param, grad)]
    return float(param) - lr * float(grad)


def _names(activation, n):
    return [activation] * n if isinstance(activation, str) else list(activation)


def _layer(rows, w, b, name):
    w = [[float(v) for v in r] for r in w]
    pre = []
    for row in rows:
        pre.append(
            [float(b[j]) + sum(row[i] * w[i][j] for i in range(len(row))) for j in range(len(w[0]))]
        )
    return pre, [[_activate(name, z) for z in r] for r in pre]


def mlp_forward(x, weights, biases, activation="sigmoid"):
    rows, single = _rows(x)
    for w, b, name in zip(weights, biases, _names(activation, len(weights))):
        _, rows = _layer(rows, w, b, name)
    return rows[0] if single else rows


def mlp_gradients(x, y, weights, biases, activation="sigmoid"):
    names = _names(activation, len(weights))
    rows, single = _rows(x)
    targets, _ = _rows(y)
    ws = [[[float(v) for v in r] for r in w] for w in weights]
    inputs, pres = [], []
    for w, b, name in zip(ws, biases, names):
        inputs.append(rows)
        pre, rows = _layer(rows, w, b, name)
        pres.append(pre)
    deltas = [
        [-(t - o) * _activate_derivative(names[-1], z) for t, o, z in zip(tr, orow, zr)]
        for tr, orow, zr in zip(targets, rows, pres[-1])
    ]
    grads_w = [None] * len(ws)
    grads_b = [None] * len(ws)
    for layer in range(len(ws) - 1, -1, -1):
        w = ws[layer]
        n_in, n_out = len(w), len(w[0])
        grads_w[layer] = [
            [
                sum(inputs[layer][s][i] * deltas[s][j] for s in range(len(deltas)))
                for j in range(n_out)
            ]
            for i in range(n_in)
        ]
        grads_b[layer] = [sum(d[j] for d in deltas) for j in range(n_out)]
        if layer:
            deltas = [
                [
                    sum(d[j] * w[i][j] for j in range(n_out))
                    * _activate_derivative(names[layer - 1], pres[layer - 1][s][i])
                    for i in range(n_in)
                ]
                for s, d in enumerate(deltas)
            ]
    return grads_w, grads_b


def predict(x, weights, biases, activation="sigmoid"):
    out = mlp_forward(x, weights, biases, activation)
    rows = [out] if not _is_seq(out[0]) else out
    classes = [max(range(len(r)), key=lambda i: r[i]) for r in rows]
    return classes[0] if not _is_seq(out[0]) else classes


def conv2d(image, kernel, stride=1, padding=0):
    img = [[float(v) for v in row] for row in image]
    ker = [[float(v) for v in row] for row in kernel]
    width = len(img[0]) + 2 * padding
    padded = [[0.0] * width for _ in range(padding)]
    padded += [[0.0] * padding + row + [0.0] * padding for row in img]
    padded += [[0.0] * width for _ in range(padding)]
    kh, kw = len(ker), len(ker[0])
    out = []
    for i in range(0, len(padded) - kh + 1, stride):
        out_row = []
        for j in range(0, width - kw + 1, stride):
            out_row.append(
                sum(padded[i + a][j + c] * ker[a][c] for a in range(kh) for c in range(kw))
            )
        out.append(out_row)
    return out


def conv_output_size(n, k, stride=1, padding=0):
    return math.floor((n + 2 * padding - k) / stride) + 1


def dense_param_count(n_in, n_out, bias=True):
    total = n_in * n_out
    if bias:
        total += n_out
    return total


def conv_param_count(kernel_size, c_in, c_out, bias=True):
    if isinstance(kernel_size, (tuple, list)):
        kh, kw = kernel_size
    else:
        kh = kw = kernel_size
    return kh * kw * c_in * c_out + (c_out if bias else 0)


def _grid(a):
    return [[float(v) for v in row] for row in a]


def softmax(z):
    if _is_seq(z) and len(z) and _is_seq(z[0]):
        return [softmax(row) for row in z]
    values = [float(v) for v in z]
    top = max(values)
    exps = [math.exp(v - top) for v in values]
    total = sum(exps)
    return [e / total for e in exps]


def cross_entropy(p, y):
    if _is_seq(p) and len(p) and _is_seq(p[0]):
        labels = [int(v) for v in y] if _is_seq(y) else [int(y)]
        losses = [-math.log(float(row[label])) for row, label in zip(p, labels)]
        return sum(losses) / len(losses)
    label = int(y[0]) if _is_seq(y) else int(y)
    return -math.log(float(p[label]))


def _pooled(image, size, stride, reduce):
    img = _grid(image)
    step = size if stride is None else stride
    out = []
    for i in range(0, len(img) - size + 1, step):
        row = []
        for j in range(0, len(img[0]) - size + 1, step):
            row.append(reduce([img[i + a][j + b] for a in range(size) for b in range(size)]))
        out.append(row)
    return out


def max_pool2d(image, size, stride=None):
    return _pooled(image, size, stride, max)


def avg_pool2d(image, size, stride=None):
    return _pooled(image, size, stride, lambda v: sum(v) / len(v))


def conv2d_multichannel(x, w, b, stride=1, padding=0):
    maps = []
    for f in range(len(w)):
        total = None
        for c in range(len(x)):
            one = conv2d(x[c], w[f][c], stride, padding)
            total = (
                one
                if total is None
                else [[t + o for t, o in zip(tr, orow)] for tr, orow in zip(total, one)]
            )
        maps.append([[v + float(b[f]) for v in row] for row in total])
    return maps


def cnn_param_count(input_shape, layers):
    h, w, c = (int(v) for v in input_shape)
    total = 0
    for layer in layers:
        words = layer.lower().split()
        kind, args = words[0], words[1:]
        strides = [int(a[1:]) for a in args if a.startswith("s") and a[1:].isdigit()]
        if kind == "conv":
            filters = int(args[0])
            sides = args[1].split("x")
            kh, kw = int(sides[0]), int(sides[-1])
            s = strides[0] if strides else 1
            total += (kh * kw * c + 1) * filters
            if "same" in args:
                h, w = math.ceil(h / s), math.ceil(w / s)
            else:
                h, w = (h - kh) // s + 1, (w - kw) // s + 1
            c = filters
        elif kind in ("maxpool", "avgpool"):
            sides = args[0].split("x")
            ph, pw = int(sides[0]), int(sides[-1])
            s = strides[0] if strides else ph
            h, w = (h - ph) // s + 1, (w - pw) // s + 1
        elif kind == "flatten":
            h, w, c = 1, 1, h * w * c
        else:
            n = int(args[0])
            total += (h * w * c + 1) * n
            h, w, c = 1, 1, n
    return total
