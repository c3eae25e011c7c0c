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
    h1, res_sigmoid = fwd_sigmoid(v1 + b1)
    # line 28: h2 = sigmoid(h1 @ W2 + b2)
    v2 = h1 @ W2
    h2, res_sigmoid_1 = fwd_sigmoid(v2 + b2)
    # line 29: return h2 @ W3 + b3
    v3 = h2 @ W3
    # line 24: def predict(params, x):
    res = (v3, b3, W3, h2, res_sigmoid_1, v2, b2, W2, h1, res_sigmoid, v1, b1, x)
    v4 = v3 + b3
    return v4, res

def bwd_predict(res, g):
    # line 24: def predict(params, x):
    v1, b3, W3, h2, res_sigmoid, v2, b2, W2, h1, res_sigmoid_1, v3, b1, x = res
    # line 29: return h2 @ W3 + b3
    v4 = unbroadcast(g, v1)
    bb3 = unbroadcast(g, b3)
    bh2 = v4 @ W3.T
    bW3 = h2.T @ v4
    # line 28: h2 = sigmoid(h1 @ W2 + b2)
    v5 = bwd_sigmoid(res_sigmoid, bh2)
    v6 = unbroadcast(v5, v2)
    bb2 = unbroadcast(v5, b2)
    bh1 = v6 @ W2.T
    bW2 = h1.T @ v6
    # line 27: h1 = sigmoid(x @ W1 + b1)
    v7 = bwd_sigmoid(res_sigmoid_1, bh1)
    bb1 = unbroadcast(v7, b1)
    bW1 = x.T @ unbroadcast(v7, v3)
    # line 26: (W1, b1), (W2, b2), (W3, b3) = params
    bparams = [(bW1, bb1), (bW2, bb2), (bW3, bb3)]
    return bparams
