def grad_mse_loss(params, x, y):
    # line 33: return np.mean((predict(params, x) - y) ** 2)
    v1, res_predict = fwd_predict(params, x)
    v2 = v1 - y
    v3 = bwd_predict(res_predict, unbroadcast(1.0 / v2.size * (2 * v2), v1))
    return v3

# derivatives of the helper functions it calls
def fwd_predict(params, x):
    # line 26: (W1, b1), (W2, b2), (W3, b3) = params
    W1, b1 = params[0]
    W2, b2 = params[1]
    W3, b3 = params[2]
    # line 27: h1 = sigmoid(x @ W1 + b1)
    v1 = x @ W1
    # line 21: return 1.0 / (1.0 + np.exp(-z))
    v2 = np.exp(-(v1 + b1))
    v3 = 1.0 + v2
    h1 = 1.0 / v3
    # line 28: h2 = sigmoid(h1 @ W2 + b2)
    v4 = h1 @ W2
    # line 21: return 1.0 / (1.0 + np.exp(-z))
    v5 = np.exp(-(v4 + b2))
    v6 = 1.0 + v5
    h2 = 1.0 / v6
    # line 29: return h2 @ W3 + b3
    v7 = h2 @ W3
    # line 24: def predict(params, x):
    res = (v7, b3, W3, h2, v6, v5, v4, b2, W2, h1, v3, v2, v1, b1, x)
    v8 = v7 + b3
    return v8, res

def bwd_predict(res, g):
    # line 24: def predict(params, x):
    v1, b3, W3, h2, v2, v3, v4, b2, W2, h1, v5, v6, v7, b1, x = res
    # line 29: return h2 @ W3 + b3
    v8 = unbroadcast(g, v1)
    bb3 = unbroadcast(g, b3)
    bh2 = v8 @ W3.T
    bW3 = h2.T @ v8
    # line 21: return 1.0 / (1.0 + np.exp(-z))
    v9 = bh2 * (h2 / v2) * v3
    # line 28: h2 = sigmoid(h1 @ W2 + b2)
    v10 = unbroadcast(v9, v4)
    bb2 = unbroadcast(v9, b2)
    bh1 = v10 @ W2.T
    bW2 = h1.T @ v10
    # line 21: return 1.0 / (1.0 + np.exp(-z))
    v11 = bh1 * (h1 / v5) * v6
    # line 27: h1 = sigmoid(x @ W1 + b1)
    bb1 = unbroadcast(v11, b1)
    bW1 = x.T @ unbroadcast(v11, v7)
    # line 26: (W1, b1), (W2, b2), (W3, b3) = params
    bparams = [(bW1, bb1), (bW2, bb2), (bW3, bb3)]
    return bparams
