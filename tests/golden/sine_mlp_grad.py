def grad_mse_loss(params, x, y):
    # line 26: (W1, b1), (W2, b2), (W3, b3) = params
    (W1, b1), (W2, b2), (W3, b3) = params
    # line 27: h1 = sigmoid(x @ W1 + b1)
    h1 = 1.0 / (1.0 + np.exp(-(x @ W1 + b1)))
    # line 28: h2 = sigmoid(h1 @ W2 + b2)
    h2 = 1.0 / (1.0 + np.exp(-(h1 @ W2 + b2)))
    # line 33: return np.mean((predict(params, x) - y) ** 2)
    v1 = (h2 @ W3 + b3 - y) / (y.size / 2)
    # line 29: return h2 @ W3 + b3
    bb3 = v1.sum(axis=0)
    bW3 = h2.T @ v1
    # line 28: h2 = sigmoid(h1 @ W2 + b2)
    v2 = v1 @ W3.T * (h2 * (1.0 - h2))
    del h2, v1
    bb2 = v2.sum(axis=0)
    bW2 = h1.T @ v2
    # line 27: h1 = sigmoid(x @ W1 + b1)
    v3 = v2 @ W2.T * (h1 * (1.0 - h1))
    del h1, v2
    bb1 = v3.sum(axis=0)
    bW1 = x.T @ v3
    return [(bW1, bb1), (bW2, bb2), (bW3, bb3)]
