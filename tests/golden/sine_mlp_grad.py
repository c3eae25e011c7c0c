def grad_mse_loss(params, x, y):
    # line 26: (W1, b1), (W2, b2), (W3, b3) = params
    (W1, b1), (W2, b2), (W3, b3) = params
    # line 27: h1 = sigmoid(x @ W1 + b1)
    v1 = x @ W1
    # line 21: return 1.0 / (1.0 + np.exp(-z))
    h1 = 1.0 / (1.0 + np.exp(-(v1 + b1)))
    # line 28: h2 = sigmoid(h1 @ W2 + b2)
    v2 = h1 @ W2
    # line 21: return 1.0 / (1.0 + np.exp(-z))
    h2 = 1.0 / (1.0 + np.exp(-(v2 + b2)))
    # line 29: return h2 @ W3 + b3
    v3 = h2 @ W3
    v4 = v3 + b3
    # line 33: return np.mean((predict(params, x) - y) ** 2)
    v5 = v4 - y
    v6 = unbroadcast(2 * v5 / v5.size, v4)
    # line 29: return h2 @ W3 + b3
    v7 = unbroadcast(v6, v3)
    bb3 = unbroadcast(v6, b3)
    bh2 = v7 @ W3.T
    bW3 = h2.T @ v7
    # line 21: return 1.0 / (1.0 + np.exp(-z))
    v8 = bh2 * (h2 * (1.0 - h2))
    # line 28: h2 = sigmoid(h1 @ W2 + b2)
    v9 = unbroadcast(v8, v2)
    bb2 = unbroadcast(v8, b2)
    bh1 = v9 @ W2.T
    bW2 = h1.T @ v9
    # line 21: return 1.0 / (1.0 + np.exp(-z))
    v10 = bh1 * (h1 * (1.0 - h1))
    # line 27: h1 = sigmoid(x @ W1 + b1)
    bb1 = unbroadcast(v10, b1)
    bW1 = x.T @ unbroadcast(v10, v1)
    return [(bW1, bb1), (bW2, bb2), (bW3, bb3)]
