def grad_rnn_states(x, h0, Wx, Wh):
    # line 66: N, T, D = x.shape
    v1 = x.shape
    N = v1[0]
    T = v1[1]
    # line 67: h = np.zeros((N, T, h0.shape[1]))
    h = np.zeros((N, T, h0.shape[1]))
    # line 69: for t in range(T):
    tape_1 = []
    prev = h0
    for t in range(T):
        # line 70: prev = np.tanh(x[:, t, :] @ Wx + prev @ Wh)
        prev = np.tanh(x[:, t, :] @ Wx + prev @ Wh)
        # line 71: h[:, t, :] = prev
        h[:, t, :] = prev
        tape_1.append(prev)
    # line 69: for t in range(T):
    bprev = zeros_like(prev)
    bWx = zeros_like(Wx)
    bx = zeros_like(x)
    bh = h + h
    del h
    for t_1 in reversed(range(T)):
        prev_1 = tape_1.pop()
        # line 70: prev = np.tanh(x[:, t, :] @ Wx + prev @ Wh)
        v6 = (bprev + bh[:, t_1, :]) * (1.0 - prev_1 * prev_1)
        del prev_1
        bprev = v6 @ Wh.T
        bWx += x[:, t_1, :].T @ v6
        bx[:, t_1, :] = v6 @ Wx.T
        del v6
    return bx, bWx
