def grad_fill_out_buffer(x, out):
    # line 36: out[...] = np.sin(x) * 2.0
    check_unshared_array(out, 'out', x)
    out_1 = np.copy(out)
    out_1[...] = np.sin(x) * 2.0
    # line 37: out[0] += x[1]
    out_1[0] += x[1]
    # line 38: return np.sum(out * x)
    check_broadcast(out_1, x)
    # line 36: out[...] = np.sin(x) * 2.0
    out[...] = out_1
    # line 37: out[0] += x[1]
    bx = index_adjoint(x[0], x, 1)
    bx += out_1
    del out_1
    # line 36: out[...] = np.sin(x) * 2.0
    bout = np.copy(x)
    bout[...] = 0.0
    bx += x[...] * 2.0 * np.cos(x)
    return bx, bout
